import { expect } from 'chai';
import { caller, harness, request, service, type Harness } from './helpers.js';

// Sequential runs of one version, each awaited, share one warm context: no second context is ever built
// for them. The runs below arrive while the version's background build (started by `prepare`, or by a
// recycle) is still in flight — the moment a run used to start a second build, whose context then took the
// warm slot and served the next run instead of the one this run had used.

/** Results are [runs this context served]: a counter on Array.prototype persists only within one context. */
const counter = (name: string, body = '') =>
  service(
    name,
    `function ${name}(req, resp) { ${body}; resp.success([Array.prototype.__runs = (Array.prototype.__runs || 0) + 1]); }`,
  );

/** Lets the turn the engine schedules its background build on pass (the build is then in flight, unfinished). */
const buildStarted = () => new Promise<void>((resolve) => setImmediate(resolve));

const other = { ...caller, id: 'b0b0b0b0b0b0b0b0b0b0b0b0b0b001', token: 'token-of-bob' };

describe('engine: sequential runs of one version reuse one warm context', () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.engine.close());

  it('builds one context for N runs that start while the prepared build is still in flight', async () => {
    const s = counter('Reuse');
    await h.engine.prepare(s);
    await buildStarted();
    const seen: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      const who = i % 2 === 0 ? caller : other;
      seen.push((await h.engine.invoke(s, request({}, { caller: who, runAs: who }))).results);
    }
    expect(seen).to.deep.equal([[1], [2], [3], [4], [5], [6]]);
    const stats = h.engine.stats();
    expect(stats.contextsBuilt).to.equal(1);
    expect(stats.warmRuns).to.equal(6);
    expect(stats.recycled).to.deep.equal({ runs: 0, idle: 0, fault: 0, uncaught: 0, doubt: 0 });
  });

  it('builds one replacement after a recycle, and the runs after it share that one', async () => {
    const s = counter('Recycled', 'if (req.params.throw) throw new Error("boom")');
    await h.engine.prepare(s);
    expect((await h.engine.invoke(s, request())).results).to.deep.equal([1]);
    expect(await h.engine.invoke(s, request({ throw: true }))).to.include({
      code: 'CB_ERR_SANDBOX_UNCAUGHT',
    });
    await buildStarted(); // the replacement's build is now in flight
    const seen: unknown[] = [];
    for (let i = 0; i < 4; i++) seen.push((await h.engine.invoke(s, request())).results);
    expect(seen).to.deep.equal([[1], [2], [3], [4]]);
    const stats = h.engine.stats();
    expect(stats.recycled.uncaught).to.equal(1);
    expect(stats.contextsBuilt).to.equal(2);
    expect(stats.warmRuns).to.equal(6);
  });
});
