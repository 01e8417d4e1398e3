import { expect } from 'chai';
import type { Caller, InvokeRequest, InvokeResult, ServiceVersion } from '../../engine/types.js';
import { createManualClock } from '../../services/kernel/clock.js';
import { caller, harness, request, service, type Harness } from './helpers.js';

// Runs of one service share a warm context (the default). Each run starts from a fresh scope and a global
// object put back as the prelude left it; only additions to built-in prototypes persist (documented). Every
// test proves that its runs really shared one context by a counter kept on Array.prototype: without it, a
// passing isolation test could merely mean that each run got a new context.

const other: Caller = {
  ...caller,
  id: 'b0b0b0b0b0b0b0b0b0b0b0b0b0b001',
  token: 'token-of-bob',
};

/** What the ApiState probe finds on the runtime API before it adds or replaces anything. */
const freshApi = ['undefined', 'undefined', 'undefined', 'undefined', 'undefined', true, 'undefined'];

/**
 * A service whose results are [the context's run number, ...what `body` puts in `seen`]; `body` is one
 * statement or a list of them, `top` what stands before the service function.
 */
function probe(
  name: string,
  body: string | readonly string[],
  options: { top?: string } & Partial<ServiceVersion> = {},
) {
  const { top = '', ...overrides } = options;
  const statements = typeof body === 'string' ? body : body.join('; ');
  return service(
    name,
    `${top}\nfunction ${name}(req, resp) { var n = Array.prototype.__runs = (Array.prototype.__runs || 0) + 1; var seen = []; ${statements}; resp.success([n].concat(seen)); }`,
    overrides,
  );
}

const asA = (params: unknown = {}) => request(params);
const asB = (params: unknown = {}) => request(params, { caller: other, runAs: other });

describe('engine: warm runs', () => {
  let h: Harness;
  afterEach(async () => {
    await h.engine.close();
  });

  /** Runs `s` once per request, one after the other, and answers each run's results. */
  async function resultsOf(s: ServiceVersion, requests: readonly InvokeRequest[]): Promise<unknown[]> {
    const results: unknown[] = [];
    for (const req of requests) results.push((await h.engine.invoke(s, req)).results);
    return results;
  }

  describe('state isolation between runs of one service (callers A then B)', () => {
    beforeEach(async () => {
      h = await harness();
    });

    async function twice(s: ServiceVersion): Promise<[InvokeResult, InvokeResult]> {
      await h.engine.prepare(s);
      const a = await h.engine.invoke(s, asA({ who: 'A' }));
      const b = await h.engine.invoke(s, asB({ who: 'B' }));
      expect(a.success, String(a.results)).to.equal(true);
      expect(b.success, String(b.results)).to.equal(true);
      // Same context: the prototype counter went on.
      expect((a.results as unknown[])[0]).to.equal(1);
      expect((b.results as unknown[])[0]).to.equal(2);
      return [a, b];
    }

    /**
     * Runs of one probe by A then B in one context, with what each run's results must be: B sees nothing of
     * what A left behind.
     */
    const cases: ReadonlyArray<{
      readonly title: string;
      readonly name: string;
      readonly body: string | readonly string[];
      readonly top?: string;
      readonly a: unknown[];
      readonly b: unknown[];
    }> = [
      {
        title: 'top-level var, let, const and function declarations start anew every run',
        name: 'TopLevel',
        body: 'bump(); list.push(req.params.who); seen.push(count, last, list.length); last = req.params.who',
        top: 'var count = 0; let last = "none"; const list = []; function bump() { count++; }',
        a: [1, 1, 'none', 1],
        b: [2, 1, 'none', 1],
      },
      {
        title: 'implicit globals (sloppy assignments to undeclared names) are gone before the next run',
        name: 'Implicit',
        body: 'seen.push(typeof secret); secret = "of " + req.params.who; topSecret = 1',
        a: [1, 'undefined'],
        b: [2, 'undefined'],
      },
      {
        title:
          'globalThis properties, defined properties and replaced built-in or runtime globals are put back',
        name: 'GlobalProps',
        body: [
          'seen.push(typeof globalThis.token, typeof globalThis.hidden, typeof Math.max, typeof JSON.parse, typeof log, typeof ClearBlade.Messaging)',
          'globalThis.token = req.params.who',
          'Object.defineProperty(globalThis, "hidden", { value: 1, configurable: true, enumerable: false })',
          'Math = null; delete globalThis.JSON; log = "gone"; ClearBlade = {}',
        ],
        a: [1, 'undefined', 'undefined', 'function', 'function', 'function', 'function'],
        b: [2, 'undefined', 'undefined', 'function', 'function', 'function', 'function'],
      },
      {
        // ClearBlade, console, Messaging() and cbmeta are new objects every run (copies of long-lived methods,
        // which are frozen): additions and replacements on them, and on the functions, stay in their run.
        title:
          'the runtime API is built once, but nothing a run adds to or replaces on it reaches the next run',
        name: 'ApiState',
        body: [
          'var m = ClearBlade.Messaging()',
          'seen.push(typeof ClearBlade.mine, typeof console.mine, typeof m.mine, typeof cbmeta.mine, typeof ClearBlade.Trigger.mine, String(m.publish).length > 0 && m.publish.name !== "evil", typeof log.mine, ClearBlade.user.email)',
          'ClearBlade.mine = console.mine = m.mine = cbmeta.mine = ClearBlade.Trigger.mine = req.params.who',
          'm.publish = function evil() {}',
          'seen.push(ClearBlade.Messaging() === m, m.publish.name, Object.isFrozen(log))',
          'log.mine = 1',
        ],
        a: [1, ...freshApi, caller.name, true, 'evil', true],
        b: [2, ...freshApi, other.name, true, 'evil', true],
      },
      {
        // The restore compares the global object's key count with the snapshot's; it is only sound because a
        // snapshotted global cannot be deleted (nor turned into an accessor), whatever the run tries.
        title:
          'a deletion cannot hide an addition: globals are pinned, names added are found by the key count',
        name: 'Pinned',
        body: [
          'seen.push(typeof Math, typeof globalThis.extra, typeof globalThis.other)',
          'seen.push(delete globalThis.Math)',
          'globalThis.extra = req.params.who',
          'try { Object.defineProperty(globalThis, "JSON", { get: function () { return req.params.who; } }); seen.push("redefined"); } catch (e) { seen.push(e.name); }',
          'try { Object.defineProperty(globalThis, "other", { value: 1, configurable: true, enumerable: false }); } catch (e) { seen.push(e.name); }',
        ],
        a: [1, 'object', 'undefined', 'undefined', false, 'TypeError'],
        b: [2, 'object', 'undefined', 'undefined', false, 'TypeError'],
      },
      {
        title: 'closures kept in pending callbacks and late promise jobs do not reach the next run',
        name: 'Callbacks',
        body: [
          'seen.push(typeof globalThis.resolveLater, typeof globalThis.late, typeof globalThis.keep)',
          'globalThis.keep = new Promise(function (r) { globalThis.resolveLater = r; }).then(function () { globalThis.late = req.params.who; })',
          // Runs after this run's outcome was taken: the next run must still not see it.
          'Promise.resolve().then(function () { globalThis.late = req.params.who; })',
        ],
        a: [1, 'undefined', 'undefined', 'undefined'],
        b: [2, 'undefined', 'undefined', 'undefined'],
      },
    ];
    for (const c of cases) {
      it(c.title, async () => {
        const [a, b] = await twice(probe(c.name, c.body, { top: c.top }));
        expect(a.results).to.deep.equal(c.a);
        expect(b.results).to.deep.equal(c.b);
      });
    }

    it("subscriptions end with their run; a delayed publish keeps its lifetime and its run's data only", async () => {
      const s = probe('Subs', [
        'var m = ClearBlade.Messaging()',
        'if (req.params.who === "A") { m.subscribe("private/a", function () {}); m.setTimeout(20, "later/a", "from " + req.params.who); }',
        'seen.push(typeof globalThis.m)',
      ]);
      await h.engine.prepare(s);
      const a = await h.engine.invoke(s, asA({ who: 'A' }));
      expect(a.results).to.deep.equal([1, 'undefined']);
      expect(h.host.subscriptions(), 'subscriptions after run A').to.deep.equal([]);
      const b = await h.engine.invoke(s, asB({ who: 'B' }));
      expect(b.results).to.deep.equal([2, 'undefined']);
      const [fired] = await h.host.publishedTo('later/a', 1);
      expect(fired).to.include({ service: 'Subs', payload: 'from A' });
      expect(h.host.published.filter((p) => p.topic === 'later/a')).to.have.length(1);
    });
  });

  describe('recycling', () => {
    it('replaces a context after maxRuns runs (N = 3)', async () => {
      h = await harness({ warm: { maxRuns: 3 } });
      const s = probe('Cycle', '');
      const seen: unknown[] = [];
      for (let i = 0; i < 7; i++) seen.push(((await h.engine.invoke(s, asA())).results as unknown[])[0]);
      expect(seen).to.deep.equal([1, 2, 3, 1, 2, 3, 1]);
      expect(h.engine.stats().recycled.runs).to.equal(2);
      expect(h.engine.stats().warmRuns).to.equal(7);
    });

    it('replaces a context idle for longer than idleMs (injected clock)', async () => {
      const clock = createManualClock();
      h = await harness({ warm: { idleMs: 60_000 } }, clock);
      const s = probe('Idle', '');
      const first = await h.engine.invoke(s, asA());
      clock.advance(30_000);
      const second = await h.engine.invoke(s, asA());
      clock.advance(60_001);
      const third = await h.engine.invoke(s, asA());
      expect([first, second, third].map((r) => (r.results as unknown[])[0])).to.deep.equal([1, 2, 1]);
      expect(h.engine.stats().recycled.idle).to.equal(1);
    });

    /**
     * Runs whose service leaves the context in doubt, so that it is replaced: the requests run one after the
     * other, each run's results (a run after a replaced context counts from 1 again), and the doubt count.
     */
    const doubtful: ReadonlyArray<{
      readonly title: string;
      readonly name: string;
      readonly body: string;
      readonly requests: readonly InvokeRequest[];
      readonly results: unknown[][];
      readonly doubt: number;
    }> = [
      {
        title: 'a global made read-only (even with its own value) leaves the context in doubt',
        name: 'ReadOnly',
        body: 'seen.push(Object.getOwnPropertyDescriptor(globalThis, "Math").writable, Object.getOwnPropertyDescriptor(globalThis, "ClearBlade").writable); if (req.params.lock) { Object.defineProperty(globalThis, "Math", { writable: false }); }',
        requests: [asA({ lock: true }), asB()],
        results: [
          [1, true, true],
          [1, true, true],
        ],
        doubt: 1,
      },
      {
        title: 'replaces a context whose run replaced a built-in the prelude calls',
        name: 'Tamper',
        body: 'if (req.params.tamper) { var push = Array.prototype.push; Array.prototype.push = function () { return push.apply(this, arguments); }; }',
        requests: [asA({ tamper: true }), asB()],
        results: [[1], [1]],
        doubt: 1,
      },
      {
        title:
          'replaces a context whose run made such a built-in a getter (even one answering the original), setter-only or deleted it',
        name: 'Sly',
        body: 'var slice = Array.prototype.slice; if (req.params.getter) Object.defineProperty(Array.prototype, "slice", { get: function () { return slice; }, configurable: true }); if (req.params.setter) Object.defineProperty(Map.prototype, "has", { set: function () {}, configurable: true }); if (req.params.remove) delete Set.prototype.add;',
        requests: [{ getter: true }, {}, { setter: true }, {}, { remove: true }, {}].map((p) => asA(p)),
        // Every tampering run's context was replaced: the run after it starts a new count.
        results: [[1], [1], [2], [1], [2], [1]],
        doubt: 3,
      },
      {
        title: 'replaces a context whose run left a global it cannot remove or froze the global object',
        name: 'Stuck',
        body: 'seen.push(typeof globalThis.stuck, Object.isExtensible(globalThis)); if (req.params.stick) Object.defineProperty(globalThis, "stuck", { value: 1 }); if (req.params.freeze) Object.preventExtensions(globalThis)',
        requests: [asA({ stick: true }), asB({ freeze: true }), asB()],
        results: [
          [1, 'undefined', true],
          [1, 'undefined', true],
          [1, 'undefined', true],
        ],
        doubt: 2,
      },
    ];
    for (const c of doubtful) {
      it(c.title, async () => {
        h = await harness();
        expect(await resultsOf(probe(c.name, c.body), c.requests)).to.deep.equal(c.results);
        expect(h.engine.stats().recycled.doubt).to.equal(c.doubt);
      });
    }

    it('replaces a context after an uncaught error, and its isolate after a timeout', async () => {
      h = await harness();
      const s = probe(
        'Faulty',
        'if (req.params.throw) throw new Error("boom"); if (req.params.spin) while (true) {}',
        { executionTimeout: 0.3 },
      );
      expect((await h.engine.invoke(s, asA())).results).to.deep.equal([1]);
      expect(await h.engine.invoke(s, asA({ throw: true }))).to.include({ code: 'CB_ERR_SANDBOX_UNCAUGHT' });
      expect(h.engine.stats().recycled.uncaught).to.equal(1);
      expect((await h.engine.invoke(s, asA())).results).to.deep.equal([1]);
      expect(await h.engine.invoke(s, asA({ spin: true }))).to.include({ code: 'CB_ERR_SANDBOX_TIMEOUT' });
      expect(h.engine.stats().recycled.fault).to.equal(1);
      expect((await h.engine.invoke(s, asA())).results).to.deep.equal([1]);
    });
  });

  describe('strict isolation', () => {
    it('gives every run a fresh context: a prototype change persists across warm runs, never in strict ones', async () => {
      h = await harness();
      const warm = probe('Proto', '');
      const strict = probe('ProtoStrict', '', { strictIsolation: true });
      const warmSeen: unknown[] = [];
      const strictSeen: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        warmSeen.push(((await h.engine.invoke(warm, asA())).results as unknown[])[0]);
        strictSeen.push(
          ((await h.engine.invoke(strict, i % 2 === 0 ? asA() : asB())).results as unknown[])[0],
        );
      }
      expect(warmSeen).to.deep.equal([1, 2, 3]);
      expect(strictSeen).to.deep.equal([1, 1, 1]);
      const stats = h.engine.stats();
      expect(stats.strictRuns).to.equal(3);
      expect(stats.warmRuns).to.equal(3);
    });

    it('keeps the plain-script semantics: top-level functions are globals of the run', async () => {
      h = await harness();
      const code =
        'function helper() { return 7; }\nfunction Plain(req, resp) { resp.success([typeof globalThis.helper, helper()]); }';
      const strict = await h.engine.invoke(service('Plain', code, { strictIsolation: true }), asA());
      const warm = await h.engine.invoke(service('Plain', code), asA());
      expect(strict.results).to.deep.equal(['function', 7]);
      expect(warm.results).to.deep.equal(['undefined', 7]);
    });
  });

  describe('entry points in a warm context', () => {
    beforeEach(async () => {
      h = await harness();
    });

    it('finds CommonJS and esbuild IIFE entry points, and top-level `this` is the global object', async () => {
      const cjs = service(
        'Cjs',
        'module.exports = function (req, resp) { resp.success(["cjs", typeof exports]); };',
      );
      const iife = service(
        'Iife',
        'var Iife = (() => { return { default: function (req, resp) { resp.success("iife"); } }; })();',
      );
      const self = service(
        'Self',
        'var top = this; function Self(req, resp) { resp.success(top === globalThis); }',
      );
      for (let i = 0; i < 2; i++) {
        expect((await h.engine.invoke(cjs, asA())).results).to.deep.equal(['cjs', 'object']);
        expect((await h.engine.invoke(iife, asA())).results).to.equal('iife');
        expect((await h.engine.invoke(self, asA())).results).to.equal(true);
      }
    });

    it('refuses code that would close the factory wrapper early, as a compile error', async () => {
      const s = service(
        'Escape',
        'function Escape(req, resp) { resp.success(1); } }); globalThis.kept = 1; (function () {',
      );
      const r = await h.engine.invoke(s, asA());
      expect(r).to.include({ code: 'CB_ERR_SANDBOX_COMPILE' });
    });

    it('runs a caller-dependent service for two callers with their own identity', async () => {
      const s = service(
        'Who',
        'function Who(req, resp) { resp.success([req.userid, req.userToken, ClearBlade.user.user_id]); }',
      );
      expect((await h.engine.invoke(s, asA())).results).to.deep.equal([caller.id, caller.token, caller.id]);
      expect((await h.engine.invoke(s, asB())).results).to.deep.equal([other.id, other.token, other.id]);
    });
  });
});
