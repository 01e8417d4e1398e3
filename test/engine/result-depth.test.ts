// docs/security.md (responses and sizes): a result nested deeper than the limit ends the run with CB_ERR_SANDBOX_RESULT_TOO_DEEP,
// refused in the isolate before it crosses and again on the host (which does not trust the isolate).
import { expect } from 'chai';
import { parseResult } from '../../engine/json.js';
import { DEFAULT_MAX_RESULT_DEPTH, jsonDeeperThan } from '../../runtime-api/json-depth.js';
import { harness, request, service, type Harness } from './helpers.js';

const nest = (n: number): string => '['.repeat(n) + '1' + ']'.repeat(n);

describe('engine: result depth', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ limits: { maxResultDepth: 8 } });
  });
  afterEach(async () => {
    await h.engine.close();
  });

  const deep = service(
    'Deep',
    'function Deep(req, resp) { var v = 1; for (var i = 0; i < req.params.n; i++) v = { v: [v] }; resp.success(v); }',
  );

  it('passes a result exactly at the limit and refuses one level more', async () => {
    const ok = await h.engine.invoke(deep, request({ n: 4 })); // 4 × (object + array) = depth 8
    expect(ok.success).to.equal(true);
    expect(JSON.stringify(ok.results)).to.equal('{"v":[{"v":[{"v":[{"v":[1]}]}]}]}');
    const bad = await h.engine.invoke(deep, request({ n: 5 }));
    expect(bad).to.include({ success: false, code: 'CB_ERR_SANDBOX_RESULT_TOO_DEEP' });
    // Code and message travel apart from results; REST and Code().execute join them (runtime-api/results.ts).
    expect(bad.results).to.equal(null);
    expect(String(bad.message)).to.match(/deeper than 8 levels/);
  });

  it('refuses 10,000 levels (the attack) and a value too deep for V8 to stringify, then runs on', async () => {
    const arrays = service(
      'Arrays',
      'function Arrays(req, resp) { var v = 1; for (var i = 0; i < req.params.n; i++) v = [v]; resp.success(v); }',
    );
    for (const n of [10_000, 300_000]) {
      const r = await h.engine.invoke(arrays, request({ n }));
      expect(r, `depth ${n}`).to.include({ success: false, code: 'CB_ERR_SANDBOX_RESULT_TOO_DEEP' });
    }
    expect(await h.engine.invoke(deep, request({ n: 1 }))).to.include({ success: true });
  });

  it('refuses a deep result the service forged past the runtime (host-side check)', async () => {
    const forged = service(
      'Forged',
      `globalThis.__isobarMain = function () { return JSON.stringify({ s: true, r: ${JSON.stringify(nest(5000))} }); };`,
      // The strict-isolation prelude's hook is on the global object, so the service can replace it.
      { strictIsolation: true },
    );
    const r = await h.engine.invoke(forged, request());
    expect(r).to.include({ success: false, code: 'CB_ERR_SANDBOX_RESULT_TOO_DEEP' });
  });

  it('keeps a deep value that is only text (brackets inside strings do not count)', async () => {
    const text = service('Text', `function Text(req, resp) { resp.success(${JSON.stringify(nest(50))}); }`);
    const r = await h.engine.invoke(text, request());
    expect(r).to.include({ success: true, results: nest(50) });
  });
});

describe('jsonDeeperThan', () => {
  it('counts arrays and objects, skips strings and escaped quotes', () => {
    expect(jsonDeeperThan(nest(3), 3)).to.equal(false);
    expect(jsonDeeperThan(nest(4), 3)).to.equal(true);
    expect(jsonDeeperThan('{"a":{"b":{"c":1}}}', 2)).to.equal(true);
    expect(jsonDeeperThan('[[1],[2],[3],[4]]', 2)).to.equal(false);
    expect(jsonDeeperThan(JSON.stringify(['\\"[[[[[[', '"{{{{{{{{']), 2)).to.equal(false);
    expect(jsonDeeperThan(JSON.stringify({ k: 'a\\', d: [[[1]]] }), 3)).to.equal(true);
  });

  it('has a default deep enough for real data and far below what overflows a recursive reader', () => {
    expect(DEFAULT_MAX_RESULT_DEPTH).to.equal(256);
    expect(parseResult(nest(256), DEFAULT_MAX_RESULT_DEPTH)).to.have.property('ok', true);
    expect(parseResult(nest(257), DEFAULT_MAX_RESULT_DEPTH)).to.deep.equal({ ok: false, deep: true });
    expect(parseResult('{"__proto__":{"polluted":1}}', 8)).to.deep.equal({ ok: true, value: {} });
  });
});
