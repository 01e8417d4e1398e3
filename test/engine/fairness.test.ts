import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import type { InvokeResult, ServiceVersion } from '../../engine/types.js';
import { isIsobarError } from '../../runtime-api/errors/index.js';
import { waitFor } from '../helpers/wait-for.js';
import { harness, request, service, type Harness } from './helpers.js';

// DESIGN.md "Security model": one tenant cannot starve the others. Runs "block" in Code().execute, which the fake host
// answers only when the test opens that run's gate, so a run holds its slot exactly as long as the test says.
const SYSTEM_A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa01';
const SYSTEM_B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbb02';
const SYSTEM_C = 'cccccccccccccccccccccccccccc03';

/** Run ids `<prefix>0` … `<prefix><n - 1>`. */
const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** A service that calls `Code().execute('Gate', {id})` and answers what the gate answered. */
function gated(name: string, systemKey: string): ServiceVersion {
  return service(
    name,
    `function ${name}(req, resp) { ClearBlade.Code().execute('Gate', {id: req.params.id}, function (err, data) { if (err) resp.error(data); else resp.success(data); }); }`,
    { systemKey, executionTimeout: 30 },
  );
}

describe('engine: run slots are shared fairly across systems', () => {
  let h: Harness;
  /** Ids of the runs that reached the gate, in the order they reached it. */
  let arrived: string[];
  let gates: Map<string, () => void>;
  /** Emits 'arrived' whenever a run reaches its gate. */
  let gateEvents: EventEmitter;

  /** Resolves once `check` holds, looked at each time a run reaches its gate; fails after 5 s. */
  const reached = async (check: () => boolean, what: string): Promise<void> => {
    if (!check()) await waitFor(gateEvents, 'arrived', check, { what });
  };

  /** Opens the gate of run `id` (it answers `id`). */
  const open = (id: string): void => {
    const release = gates.get(id);
    if (release === undefined) throw new Error(`run ${id} is not at its gate`);
    release();
  };

  async function start(options: Parameters<typeof harness>[0]): Promise<void> {
    h = await harness(options);
    arrived = [];
    gates = new Map();
    gateEvents = new EventEmitter();
    h.host.executor = (_ctx, _name, params) => {
      const id = String((params as { id?: unknown }).id);
      arrived.push(id);
      const answer = new Promise<InvokeResult>((resolve) =>
        gates.set(id, () => resolve({ success: true, results: id, logs: [], instanceId: id, durationMs: 0 })),
      );
      gateEvents.emit('arrived', id);
      return answer;
    };
  }

  /** Starts one run of `s` per id (each run holds its slot at its gate until opened). */
  const runsOf = (s: ServiceVersion, runIds: readonly string[]): Array<Promise<InvokeResult>> =>
    runIds.map((id) => h.engine.invoke(s, request({ id })));

  /** Opens each run's gate in turn, once that run has reached it (a queued run reaches it as a slot frees). */
  const openInTurn = async (runIds: readonly string[]): Promise<void> => {
    for (const id of runIds) {
      await reached(() => gates.has(id), `${id} at its gate`);
      open(id);
    }
  };

  /**
   * Starts the engine with `limits`, then one gated run of service `name` (system A) per id, and resolves
   * once `held` of them hold a slot at their gates; answers the service and its runs.
   */
  const holdSlots = async (
    limits: Parameters<typeof harness>[0],
    name: string,
    runIds: readonly string[],
    held: number,
  ): Promise<{ service: ServiceVersion; runs: Array<Promise<InvokeResult>> }> => {
    await start(limits);
    const gatedService = gated(name, SYSTEM_A);
    const runs = runsOf(gatedService, runIds);
    await reached(() => arrived.length === held, `${String(held)} runs of ${name} at their gates`);
    return { service: gatedService, runs };
  };

  afterEach(async () => {
    for (const release of gates.values()) release();
    await h.engine.close();
  });

  it("completes system B's run while system A's flood holds every slot A may have", async () => {
    const limits = { maxIsolates: 8, maxRunsPerSystem: 4, maxRunsPerService: 4, maxQueuedPerSystem: 64 };
    const { runs: floods } = await holdSlots(limits, 'Flood', ids('a', 20), 4);

    const healthy = service('Healthy', 'function Healthy(req, resp) { resp.success(req.params.n * 2); }', {
      systemKey: SYSTEM_B,
    });
    const b = await h.engine.invoke(healthy, request({ n: 21 }));
    expect(b).to.include({ success: true, results: 42 });
    expect(arrived, 'A still holds only its share, all blocked').to.have.length(4);

    // A's queued runs go on as A's own slots free up.
    await openInTurn(ids('a', 20));
    const results = await Promise.all(floods);
    expect(results.map((r) => r.results)).to.deep.equal(ids('a', 20));
  });

  it('keeps a second service of the same system running when one service is at its cap', async () => {
    const limits = { maxIsolates: 8, maxRunsPerSystem: 8, maxRunsPerService: 2, maxQueuedPerSystem: 64 };
    const { runs } = await holdSlots(limits, 'Busy', ids('busy', 5), 2);
    const other = service('Other', 'function Other(req, resp) { resp.success("ok"); }', {
      systemKey: SYSTEM_A,
    });
    expect(await h.engine.invoke(other, request())).to.include({ success: true, results: 'ok' });
    expect(arrived).to.deep.equal(['busy0', 'busy1']);
    await openInTurn(ids('busy', 5));
    expect((await Promise.all(runs)).every((r) => r.success)).to.equal(true);
  });

  it('hands freed slots to the waiting systems in turn, not to the system that floods', async () => {
    const limits = { maxIsolates: 2, maxRunsPerSystem: 2, maxRunsPerService: 2, maxQueuedPerSystem: 64 };
    const { runs } = await holdSlots(limits, 'A', ids('a', 4), 2);
    // B's and C's versions are built before they are called, so their runs join the slot queue at once rather
    // than after a context build that, on a loaded machine, could outlast a0's release.
    const b = gated('B', SYSTEM_B);
    const c = gated('C', SYSTEM_C);
    await Promise.all([h.engine.prepare(b), h.engine.prepare(c)]);
    runs.push(...runsOf(b, ['b0']), ...runsOf(c, ['c0']));

    open('a0');
    await reached(() => arrived.length === 3, 'a third run at its gate');
    open('a1');
    await reached(() => arrived.length === 4, 'a fourth run at its gate');
    // A queued a2 and a3 before B and C arrived, yet B and C each got the next free slot.
    expect(arrived).to.deep.equal(['a0', 'a1', 'b0', 'c0']);
    open('b0');
    await reached(() => arrived.length === 5, 'a2 at its gate');
    open('c0');
    await reached(() => arrived.length === 6, 'a3 at its gate');
    open('a2');
    open('a3');
    expect((await Promise.all(runs)).map((r) => r.results)).to.deep.equal([
      'a0',
      'a1',
      'a2',
      'a3',
      'b0',
      'c0',
    ]);
  });

  it('refuses a run at once with CB_ERR_SANDBOX_BUSY when its system queue is full', async () => {
    const limits = { maxIsolates: 8, maxRunsPerSystem: 2, maxRunsPerService: 2, maxQueuedPerSystem: 2 };
    const { service: flood, runs: admitted } = await holdSlots(limits, 'Flood', ids('a', 4), 2);
    const refused = await h.engine.invoke(flood, request({ id: 'a4' })).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isIsobarError(refused), String(refused)).to.equal(true);
    expect(refused).to.have.property('code', 'CB_ERR_SANDBOX_BUSY');
    // Another system's queue is its own.
    const b = service('B', 'function B(req, resp) { resp.success(1); }', { systemKey: SYSTEM_B });
    expect(await h.engine.invoke(b, request())).to.include({ success: true, results: 1 });
    await openInTurn(ids('a', 4));
    expect((await Promise.all(admitted)).every((r) => r.success)).to.equal(true);
    expect(arrived).to.not.include('a4');
  });

  it("lets a run started by Code().execute use its waiting caller's slot (no deadlock when all are held)", async () => {
    await start({ maxIsolates: 2, maxRunsPerSystem: 2, maxRunsPerService: 2, maxQueuedPerSystem: 8 });
    const inner = service('Inner', 'function Inner(req, resp) { resp.success(req.params.x + 1); }', {
      systemKey: SYSTEM_A,
    });
    const outer = service(
      'Outer',
      "function Outer(req, resp) { ClearBlade.Code().execute('Inner', {x: req.params.x}, function (err, data) { if (err) resp.error(data); else resp.success(data); }); }",
      { systemKey: SYSTEM_A, executionTimeout: 10 },
    );
    h.host.executor = (ctx, _name, params) => h.engine.invoke(inner, request(params, { hop: ctx.hop + 1 }));
    const results = await Promise.all([1, 2].map((x) => h.engine.invoke(outer, request({ x }))));
    expect(results.map((r) => r.results)).to.deep.equal([2, 3]);
  });
});
