import { expect } from 'chai';
import type { ServiceVersion } from '../../engine/types.js';
import { createManualClock } from '../../services/kernel/clock.js';
import { harness, request, service, type Harness } from './helpers.js';

// Batched crossings (engine.invokeBatch, docs/warm-runs.md "Batches"): requests of one version run one after
// another inside one warm context in one crossing, each with its own req/resp, scope, logs and result. A run
// that times out or breaks its context ends only itself; the rest of the batch runs in a fresh context.

/**
 * A service steered by its request: `ok` publishes and succeeds, `fail` calls resp.error, `throw` throws,
 * `spin` loops until the engine ends it. Every run logs its `kind` and keeps a top-level counter that must
 * start anew, and counts its context's runs on Array.prototype (kept across runs of one context).
 */
const STEERED = `var calls = 0;
function Steered(req, resp) {
  calls++;
  var sawLeak = typeof leak;
  var n = Array.prototype.__runs = (Array.prototype.__runs || 0) + 1;
  log('run ' + req.params.kind);
  globalThis.leak = req.params.kind;
  if (req.params.kind === 'spin') { while (true) {} }
  if (req.params.kind === 'throw') throw new Error('boom');
  if (req.params.kind === 'fail') resp.error('bad ' + req.params.n);
  ClearBlade.Messaging().publish('out/' + req.params.n, req.params.kind);
  resp.success({ n: req.params.n, calls: calls, context: n, leak: sawLeak });
}`;

describe('engine: batched crossings (invokeBatch)', () => {
  let h: Harness;
  let s: ServiceVersion;
  beforeEach(async () => {
    h = await harness();
    s = service('Steered', STEERED, { executionTimeout: 1 });
    await h.engine.prepare(s);
  });
  afterEach(async () => {
    await h.engine.close();
  });

  const batch = (...kinds: string[]) =>
    h.engine.invokeBatch(
      s,
      kinds.map((kind, n) => request({ kind, n })),
    );

  it('runs every request of a batch in one warm context, each with its own scope, logs and result', async () => {
    const results = await batch('ok', 'ok', 'ok');
    expect(results.map((r) => r.success)).to.deep.equal([true, true, true]);
    expect(results.map((r) => (r.results as { n: number }).n)).to.deep.equal([0, 1, 2]);
    // One context: its run counter went on; each run's top-level counter started anew.
    expect(results.map((r) => (r.results as { context: number }).context)).to.deep.equal([1, 2, 3]);
    expect(results.map((r) => (r.results as { calls: number }).calls)).to.deep.equal([1, 1, 1]);
    expect(results.map((r) => (r.results as { leak: string }).leak)).to.deep.equal([
      'undefined',
      'undefined',
      'undefined',
    ]);
    expect(results.map((r) => r.logs.map((l) => l.message))).to.deep.equal([
      ['run ok'],
      ['run ok'],
      ['run ok'],
    ]);
    expect(new Set(results.map((r) => r.instanceId)).size).to.equal(3);
    expect(h.host.published.map((p) => p.topic)).to.deep.equal(['out/0', 'out/1', 'out/2']);
    expect(h.engine.stats().contextsBuilt).to.equal(1);
  });

  it('answers a failing, a timing-out and a succeeding run of one batch each with its own outcome', async () => {
    const [fail, spin, ok] = await batch('fail', 'spin', 'ok');
    expect(fail.success).to.equal(false);
    expect(fail.results).to.equal('bad 0');
    expect(fail.code).to.equal(undefined);
    expect(fail.logs.map((l) => l.message)).to.deep.equal(['run fail']);
    expect(spin.success).to.equal(false);
    expect(spin.code).to.equal('CB_ERR_SANDBOX_TIMEOUT');
    expect(ok.success, JSON.stringify(ok.results)).to.equal(true);
    expect(ok.results).to.deep.include({ n: 2, calls: 1 });
    expect(ok.logs.map((l) => l.message)).to.deep.equal(['run ok']);
    // The timed-out run took its isolate with it: the rest ran in a fresh context.
    expect((ok.results as { context: number }).context).to.equal(1);
    expect(h.host.published.map((p) => p.topic)).to.deep.equal(['out/2']);
  });

  it("sends each run's publishes as that run, in order, also from a run that failed or threw after them", async () => {
    // A batch's publishes wait in the prelude's outbox and cross with the run's `next` marker (or, for the
    // run that ends the crossing, just before the outcomes): they must still belong to the run that made them.
    const twice = service(
      'Twice',
      `function Twice(req, resp) {
        var m = ClearBlade.Messaging();
        m.publish('a/' + req.params.n, 'x');
        m.publish('b/' + req.params.n, 'y');
        if (req.params.kind === 'fail') resp.error('bad');
        if (req.params.kind === 'throw') throw new Error('boom');
        resp.success(req.params.n);
      }`,
    );
    await h.engine.prepare(twice);
    const as = (id: string) => ({ ...request().caller, id });
    const kinds = ['ok', 'fail', 'ok', 'throw', 'ok'];
    const results = await h.engine.invokeBatch(
      twice,
      kinds.map((kind, n) => request({ kind, n }, { runAs: as(`user-${String(n)}`) })),
    );
    expect(results.map((r) => r.success)).to.deep.equal([true, false, true, false, true]);
    expect(results[3].code).to.equal('CB_ERR_SANDBOX_UNCAUGHT');
    expect(h.host.published.map((p) => `${p.topic} ${p.runAs}`)).to.deep.equal(
      kinds.flatMap((_, n) => [`a/${String(n)} user-${String(n)}`, `b/${String(n)} user-${String(n)}`]),
    );
    // One crossing up to the run whose error escaped; its context was replaced and the last run went alone.
    expect(h.engine.stats().batches).to.equal(1);
    expect(h.engine.stats().recycled.uncaught).to.equal(1);
  });

  it('gives a service that may leave promise callbacks one crossing per run', async () => {
    const deferring = service(
      'Deferring',
      `function Deferring(req, resp) { Promise.resolve().then(function () { return 0; }); resp.success(req.params.n); }`,
    );
    await h.engine.prepare(deferring);
    const before = h.engine.stats();
    const results = await h.engine.invokeBatch(deferring, [request({ n: 1 }), request({ n: 2 })]);
    expect(results.map((r) => r.results)).to.deep.equal([1, 2]);
    expect(h.engine.stats().batches - before.batches).to.equal(0);
    expect(h.engine.stats().warmRuns - before.warmRuns).to.equal(2);
  });

  it('counts a FinalizationRegistry (callbacks run between runs) as leaving callbacks: one crossing per run', async () => {
    const registering = service(
      'Registering',
      `function Registering(req, resp) { new FinalizationRegistry(function () { globalThis.late = 1; }).register({}, 0); resp.success(typeof late); }`,
    );
    await h.engine.prepare(registering);
    const before = h.engine.stats();
    const results = await h.engine.invokeBatch(registering, [request({}), request({})]);
    expect(results.map((r) => r.results)).to.deep.equal(['undefined', 'undefined']);
    expect(h.engine.stats().batches - before.batches).to.equal(0);
  });

  it('runs the rest of a batch in a fresh context after a run whose error escaped', async () => {
    const [first, thrown, after] = await batch('ok', 'throw', 'ok');
    expect(first.success).to.equal(true);
    expect(thrown.success).to.equal(false);
    expect(thrown.code).to.equal('CB_ERR_SANDBOX_UNCAUGHT');
    expect(thrown.results).to.equal('Error: boom');
    expect(after.success).to.equal(true);
    expect((after.results as { context: number }).context).to.equal(1);
    expect(h.engine.stats().recycled.uncaught).to.equal(1);
  });

  it('times each run of a batch from its own start with one watchdog per crossing (injected clock)', async () => {
    await h.engine.close();
    const clock = createManualClock();
    h = await harness({}, clock);
    // Each run spends `ms` of the clock inside a host call: the host answer moves the clock.
    h.host.answers['history.get'] = (args) => {
      clock.advance(Number(args[0]));
      return [];
    };
    const timed = service(
      'Timed',
      `function Timed(req, resp) { ClearBlade.Messaging().getMessageHistory(String(req.params.ms), 0, 1, function () {}); resp.success(req.params.ms); }`,
      { executionTimeout: 1 },
    );
    await h.engine.prepare(timed);
    const run = (...ms: number[]) =>
      h.engine.invokeBatch(
        timed,
        ms.map((m) => request({ ms: m })),
      );
    // 1,800 ms in all, but no run over its 1,000: the watchdog set at the first run's start moves on.
    const within = await run(600, 600, 600);
    expect(within.map((r) => [r.success, r.code])).to.deep.equal([
      [true, undefined],
      [true, undefined],
      [true, undefined],
    ]);
    // The second run goes over its own 1,000 ms (started at 600, still running at 2,100).
    const over = await run(600, 1500, 10);
    expect(over.map((r) => [r.success, r.code])).to.deep.equal([
      [true, undefined],
      [false, 'CB_ERR_SANDBOX_TIMEOUT'],
      [true, undefined],
    ]);
    expect(h.engine.stats().batches).to.be.at.least(2);
  });
});
