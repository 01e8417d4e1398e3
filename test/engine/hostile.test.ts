import { expect } from 'chai';
import type { InvokeResult } from '../../engine/types.js';
import { harness, request, service, type Harness } from './helpers.js';

// Each hostile service runs beside a healthy one; the hostile run ends with a stable code and the healthy run,
// the engine and later runs carry on.
describe('engine: hostile code', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ limits: { maxLogLines: 200, maxPublishes: 500, maxResultBytes: 64 * 1024 } });
  });
  afterEach(async () => {
    await h.engine.close();
  });

  // Answers only once a message arrives on `go`, so the test decides that it is still running while the
  // hostile run beside it ends (release()).
  const healthy = service(
    'Healthy',
    'function Healthy(req, resp) { var m = ClearBlade.Messaging(); m.subscribe("go", function () {});' +
      ' m.waitForMessage(["go"], function () {}); resp.success(req.params.n * 2); }',
  );

  /** Lets the running Healthy answer: feeds `go` once the host has its subscription. */
  async function release(): Promise<void> {
    await h.host.subscribed('go');
    expect(h.host.feed('go', 'now'), 'one Healthy run waiting').to.equal(1);
  }

  /** One Healthy run on its own, released at once. */
  async function runHealthy(n: number): Promise<InvokeResult> {
    const run = h.engine.invoke(healthy, request({ n }));
    await release();
    return run;
  }

  const recycled = (): number => Object.values(h.engine.stats().recycled).reduce((a, b) => a + b, 0);

  async function withHealthy(name: string, body: string, overrides = {}): Promise<InvokeResult> {
    const hostile = service(name, `function ${name}(req, resp) { ${body} }`, {
      executionTimeout: 0.3,
      memoryLimitMb: 16,
      ...overrides,
    });
    const recycledBefore = recycled();
    const running = h.engine.invoke(hostile, request());
    const beside = h.engine.invoke(healthy, request({ n: 21 }));
    const bad = await running; // ended while Healthy still waits for `go`
    await release();
    const good = await beside;
    // Runs are warm by default: the hostile run's context is replaced before any later run could take it.
    expect(recycled(), 'contexts recycled').to.equal(recycledBefore + 1);
    expect(good, 'healthy service beside it').to.include({ success: true, results: 42 });
    const after = await runHealthy(1);
    expect(after, 'healthy service after it').to.include({ success: true, results: 2 });
    expect(bad.success).to.equal(false);
    return bad;
  }

  it('cannot reach the host Function through the constructor chain', async () => {
    const r = await withHealthy('Esc1', 'resp.error(this.constructor.constructor("return process")().pid);');
    expect(r.results).to.equal('ReferenceError: process is not defined');
    const r2 = await withHealthy(
      'Esc2',
      'resp.error(req.constructor.constructor("return require")()("fs"));',
    );
    expect(r2.results).to.equal('ReferenceError: require is not defined');
    const r3 = await withHealthy('Esc3', 'resp.error(log.constructor("return this")().process.pid);');
    expect(r3.results).to.match(/^TypeError: /);
  });

  it('finds no Node, require, process, native fetch or isolated-vm handle among the globals (fetch is the bridge-backed one)', async () => {
    const s = service(
      'Globals',
      'function Globals(req, resp) { resp.success([typeof require, typeof process, typeof fetch === "function" && String(fetch).indexOf("[native code]") < 0 ? "bridge fetch" : typeof fetch, typeof Buffer, typeof __isobarInstall, typeof __isobarMain, Object.getOwnPropertyNames(globalThis).filter(function (n) { return /isobar|ivm|^Reference$|^ExternalCopy$/i.test(n); })]); }',
    );
    const r = await h.engine.invoke(s, request());
    expect(r.results).to.deep.equal([
      'undefined',
      'undefined',
      'bridge fetch',
      'undefined',
      'undefined',
      'undefined',
      [],
    ]);
  });

  it('cannot pollute host prototypes through what the host reads back', async () => {
    const r = await h.engine.invoke(
      service(
        'Proto',
        'function Proto(req, resp) { resp.success(JSON.parse(\'{"__proto__": {"polluted": true}, "ok": 1}\')); }',
      ),
      request(),
    );
    expect(r.success).to.equal(true);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(Object.getPrototypeOf(r.results)).to.equal(Object.prototype);
    expect(r.results).to.deep.equal({ ok: 1 });
  });

  it('stops while(true){} with CB_ERR_SANDBOX_TIMEOUT', async () => {
    expect(await withHealthy('Spin', 'while (true) {}')).to.have.property('code', 'CB_ERR_SANDBOX_TIMEOUT');
  });

  it('stops a CPU loop after an await with CB_ERR_SANDBOX_TIMEOUT', async () => {
    expect(
      await withHealthy('Spin2', 'return Promise.resolve().then(function () { while (true) {} });'),
    ).to.have.property('code', 'CB_ERR_SANDBOX_TIMEOUT');
  });

  it('ends a never-settling promise with CB_ERR_SANDBOX_TIMEOUT', async () => {
    expect(await withHealthy('Never', 'return new Promise(function () {});')).to.have.property(
      'code',
      'CB_ERR_SANDBOX_TIMEOUT',
    );
  });

  it('ends a wait for a message that never comes with CB_ERR_SANDBOX_TIMEOUT', async () => {
    const body = 'var m = ClearBlade.Messaging(); m.waitForMessage(["nothing/here"], function () {});';
    expect(await withHealthy('Waits', body)).to.have.property('code', 'CB_ERR_SANDBOX_TIMEOUT');
  });

  it('answers deep recursion with a RangeError', async () => {
    const r = await withHealthy('Rec', 'function f(n) { return f(n + 1) + 1; } f(0);');
    expect(r).to.include({
      code: 'CB_ERR_SANDBOX_UNCAUGHT',
      results: 'RangeError: Maximum call stack size exceeded',
    });
  });

  it('stops an array allocation bomb with CB_ERR_SANDBOX_MEMORY', async () => {
    const r = await withHealthy('Arr', 'var a = []; while (true) a.push({i: a.length, s: "x" + a.length});', {
      executionTimeout: 20,
    });
    expect(r).to.have.property('code', 'CB_ERR_SANDBOX_MEMORY');
  });

  it('refuses string and ArrayBuffer bombs inside the isolate', async () => {
    const s = await withHealthy('StrBomb', 'var s = "x"; while (true) s = s + s;');
    expect(s).to.include({ code: 'CB_ERR_SANDBOX_UNCAUGHT', results: 'RangeError: Invalid string length' });
    const b = await withHealthy(
      'BufBomb',
      'var keep = []; while (true) keep.push(new ArrayBuffer(1 << 20));',
      { executionTimeout: 20 },
    );
    expect(b.code).to.be.oneOf(['CB_ERR_SANDBOX_UNCAUGHT', 'CB_ERR_SANDBOX_MEMORY']);
    const big = await withHealthy('BigBuf', 'new Uint8Array(1 << 30);');
    expect(big).to.include({ code: 'CB_ERR_SANDBOX_UNCAUGHT' });
    expect(big.results).to.match(/^RangeError/);
  });

  it('stops a flood of publishes with CB_ERR_SANDBOX_PUBLISH_LIMIT', async () => {
    const r = await withHealthy(
      'PubFlood',
      'var m = ClearBlade.Messaging(); while (true) m.publish("flood", "x");',
      { executionTimeout: 20 },
    );
    expect(r).to.have.property('code', 'CB_ERR_SANDBOX_PUBLISH_LIMIT');
    expect(h.host.published.length).to.be.at.most(500);
  });

  it('stops a flood of log lines with CB_ERR_SANDBOX_LOG_LIMIT', async () => {
    const r = await withHealthy('LogFlood', 'while (true) log("spam");', { executionTimeout: 20 });
    expect(r).to.have.property('code', 'CB_ERR_SANDBOX_LOG_LIMIT');
    expect(r.logs.length).to.be.at.most(200);
  });

  it('refuses a huge result with CB_ERR_SANDBOX_RESULT_TOO_LARGE', async () => {
    const r = await withHealthy('Huge', 'resp.success(new Array(100000).join("xx"));');
    expect(r).to.have.property('code', 'CB_ERR_SANDBOX_RESULT_TOO_LARGE');
  });

  it('answers unserialisable results (cycles, BigInt) as a TypeError', async () => {
    const r = await withHealthy('Cycle', 'var a = {}; a.self = a; resp.success(a);');
    expect(r.results).to.match(/^TypeError: /);
    const b = await withHealthy('Big', 'resp.success(10n);');
    expect(b.results).to.match(/^TypeError: /);
  });

  it('survives tampering with the runtime: replaced JSON, Promise and __isobarMain', async () => {
    const r = await h.engine.invoke(
      service(
        'Tamper',
        'JSON.stringify = function () { return 42; }; globalThis.__isobarMain = function () { return {not: "a string"}; };',
      ),
      request(),
    );
    // A warm context's prelude holds its own JSON and hook: the run finds no entry point and the context,
    // whose built-ins were replaced, is not used again. A strict-isolation run's hook was replaced.
    expect(r).to.include({ success: false, code: 'CB_ERR_SANDBOX_NO_ENTRY' });
    expect(await runHealthy(2)).to.include({ results: 4 });
    const strict = await h.engine.invoke(
      service(
        'TamperStrict',
        'JSON.stringify = function () { return 42; }; globalThis.__isobarMain = function () { return {not: "a string"}; };',
        { strictIsolation: true },
      ),
      request(),
    );
    expect(strict).to.include({ success: false, code: 'CB_ERR_SANDBOX_UNCAUGHT' });
  });

  it('hands a host refusal to the callback as cb(true, message)', async () => {
    const r = await h.engine.invoke(
      service(
        'Ops',
        'function Ops(req, resp) { ClearBlade.Trigger.Create("x", {}, function (err, data) { resp.success([err, data]); }); }',
      ),
      request(),
    );
    expect(r.results).to.deep.equal([true, 'no answer for trigger.create']);
  });
});
