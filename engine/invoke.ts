// One run of a service, as a recipe of named steps sharing one state object:
// resolveService → acquireIsolate → runWithLimits → collectLogs → deliverResult (releaseIsolate always).
// The same pipeline serves REST, triggers, timers, Code().execute and (with a dedicated isolate) streams.

import { randomUUID } from 'node:crypto';
import { IsobarError, isIsobarError, type ErrorCode } from '../runtime-api/errors/index.js';
import type { BeginRequest, Outcome } from '../runtime-api/sandbox-protocol.js';
import { versionKey, type IsolatePool } from './isolate-pool.js';
import { parseResult, safeParse } from './json.js';
import { RunState, type RunDeps } from './run-state.js';
import type { ExecuteCalls, RunSlots, SlotTicket } from './run-slots.js';
import type { ContextCounters } from './context-stats.js';
import { errorLine, type PreparedContext, type RecycleReason, type Sandbox } from './sandbox.js';
import type { HostContext, InvokeRequest, InvokeResult, ServiceVersion } from './types.js';

export interface RunMode {
  /** Stream instance: no timeout, log rate limit instead of caps, `sandbox` is its own and is disposed after. */
  readonly stream?: boolean;
  readonly sandbox?: Sandbox;
  /** Called once the run is on its isolate: streams keep it to stop the run. */
  readonly onRun?: (run: RunState) => void;
}

interface Invocation {
  readonly version: ServiceVersion;
  readonly request: InvokeRequest;
  readonly mode: RunMode;
  readonly instanceId: string;
  readonly started: number;
  readonly timeoutMs: number | undefined;
  readonly run: RunState;
  /** The run's slot (micro runs); given back after the isolate. */
  ticket?: SlotTicket;
  sandbox?: Sandbox;
  prepared?: PreparedContext;
  /** The run left its warm context in doubt (the prelude said so, or its answer was not the prelude's). */
  doubt?: boolean;
  outcome?: {
    success: boolean;
    results: unknown;
    code?: ErrorCode;
    /** The message of `code`, kept apart from `results` (the edges join them: runtime-api/results.ts). */
    message?: string;
    /** The thrown error's stack (InvokeResult.stack). */
    stack?: string;
    status?: number;
    headers?: Record<string, string>;
  };
  logs?: InvokeResult['logs'];
}

export interface Invoker {
  invoke(version: ServiceVersion, request: InvokeRequest, mode?: RunMode): Promise<InvokeResult>;
  /** Runs requests of one version in order, as many as fit in one crossing into a warm context (batch.ts). */
  invokeBatch(version: ServiceVersion, requests: readonly InvokeRequest[]): Promise<InvokeResult[]>;
  /** Resolves once no run is in flight. */
  idle(): Promise<void>;
  /** Ends every run in flight with `code` (shutdown after its grace period). */
  killAll(code: ErrorCode): void;
}

/** What a run's race resolves with when the engine ended it. */
const KILLED: unique symbol = Symbol('killed');

/** Builds the pipeline over a pool; never rejects for anything the service did. */
export function createInvoker(
  pool: IsolatePool,
  deps: RunDeps & {
    readonly defaultTimeoutS: number;
    readonly slots: RunSlots;
    readonly executeCalls: ExecuteCalls;
    readonly counters: ContextCounters;
  },
): Invoker {
  const inFlight = new Set<Promise<unknown>>();
  const active = new Set<RunState>();
  /** Slots of runs in flight, so a run they start through `Code().execute` can borrow theirs. */
  const tickets = new WeakMap<HostContext, SlotTicket>();
  /**
   * Per version, the moment the last run in line got its context: runs of a version take their contexts in
   * arrival order, so a later trigger run on a warm isolate does not overtake an earlier one still waiting
   * for a new isolate's first context (messages of one topic start their runs in publish order).
   */
  const lanes = new Map<string, Promise<void>>();

  /**
   * Takes the next place in the version's lane, waits for the run ahead, then takes the isolate and context.
   * Answers `leave`, which lets the next run in line go: the caller calls it right before it dispatches the
   * run, so the run is dispatched before the next one resumes (that happens in a later microtask).
   */
  async function enterLane(s: Invocation): Promise<() => void> {
    const key = versionKey(s.version);
    const before = lanes.get(key);
    let leave = (): void => {};
    const mine = new Promise<void>((resolve) => {
      leave = () => {
        if (lanes.get(key) === mine) lanes.delete(key);
        resolve();
      };
    });
    lanes.set(key, mine);
    try {
      if (before !== undefined) await before;
      await acquireIsolate(s);
    } catch (err) {
      leave();
      throw err;
    }
    return leave;
  }

  function resolveService(version: ServiceVersion, request: InvokeRequest, mode: RunMode): Invocation {
    const stream = mode.stream === true;
    const seconds =
      version.executionTimeout > 0
        ? version.executionTimeout
        : version.executionTimeout < 0
          ? -1
          : deps.defaultTimeoutS;
    const instanceId = request.instanceId ?? randomUUID();
    const ctx = { service: version, runAs: request.runAs, instanceId, hop: request.hop ?? 0 };
    const logging = request.logging ?? version.loggingEnabled;
    return {
      version,
      request,
      mode,
      instanceId,
      started: deps.clock.now(),
      timeoutMs: stream || seconds < 0 ? undefined : Math.max(1, Math.round(seconds * 1000)),
      run: new RunState(ctx, { stream, logging }, deps),
    };
  }

  /** Waits for a run slot (see run-slots.ts); a run started by a waiting `Code().execute` uses its caller's. */
  async function admit(s: Invocation): Promise<void> {
    if (s.mode.sandbox !== undefined) return;
    const parent = deps.executeCalls.claimParent();
    const held = parent === undefined ? undefined : tickets.get(parent);
    s.ticket =
      (held === undefined ? undefined : deps.slots.borrow(held)) ??
      (await deps.slots.acquire(s.version.systemKey, s.version.name));
    tickets.set(s.run.ctx, s.ticket);
  }

  async function acquireIsolate(s: Invocation): Promise<void> {
    // A borrowed slot may take an isolate beyond the pool's cap: its caller's isolate waits for it.
    s.sandbox = s.mode.sandbox ?? (await pool.acquire(s.version, s.ticket?.root !== undefined));
    if (s.sandbox.compileError !== undefined) {
      s.outcome = {
        success: false,
        results: null,
        code: 'CB_ERR_SANDBOX_COMPILE',
        message: s.sandbox.compileError,
      };
      return;
    }
    s.prepared = await s.sandbox.takeContext();
  }

  /** The request as the prelude reads it. */
  function beginOf(s: Invocation): BeginRequest {
    const caller = s.request.caller;
    return {
      params: s.request.params ?? {},
      systemSecret: s.request.systemSecret,
      userEmail: caller.name,
      userid: caller.id,
      userToken: caller.token ?? '',
      isLogging: s.run.logging,
      instanceId: s.instanceId,
      random: '',
      stream: s.run.stream,
    };
  }

  async function runWithLimits(s: Invocation): Promise<void> {
    const { sandbox, prepared, run } = s;
    if (s.outcome !== undefined || sandbox === undefined || prepared === undefined) return;
    // A killed run ends here and now: an isolate disposed while it waits in the bridge does not always settle
    // its run promise, and stopInstance/close must not wait for one that never comes.
    let killed: (() => void) | undefined;
    const ended = new Promise<typeof KILLED>((resolve) => {
      killed = () => resolve(KILLED);
    });
    run.onKill(() => {
      sandbox.dispose();
      killed?.();
    });
    s.mode.onRun?.(run);
    const seconds = s.timeoutMs === undefined ? -1 : s.timeoutMs / 1000;
    const cancelWatchdog =
      s.timeoutMs === undefined
        ? undefined
        : deps.clock.setTimer(s.timeoutMs, () => run.kill('CB_ERR_SANDBOX_TIMEOUT', { seconds }));
    const begin = beginOf(s);
    if (s.mode.sandbox === undefined) deps.counters.ran(prepared.runner !== undefined);
    try {
      const running = sandbox.run(prepared, run, JSON.stringify(begin), s.timeoutMs, !mayDefer(s.version));
      running.catch(() => {}); // when the kill wins the race, a late rejection has no one to tell
      const raw = await Promise.race([running, ended]);
      s.outcome = run.fault === undefined && raw !== KILLED ? readOutcome(s, raw) : faultOutcome(s);
    } catch (err) {
      s.outcome = run.fault !== undefined ? faultOutcome(s) : classify(s, err, seconds);
    } finally {
      cancelWatchdog?.();
    }
  }

  async function collectLogs(s: Invocation): Promise<void> {
    await s.run.end();
    s.logs = s.run.logs;
  }

  function deliverResult(s: Invocation): InvokeResult {
    const o = s.outcome ?? faultOutcome(s);
    return {
      success: o.success,
      results: o.results,
      logs: s.logs ?? [],
      instanceId: s.instanceId,
      durationMs: deps.clock.now() - s.started,
      ...(o.code === undefined ? {} : { code: o.code }),
      ...(o.message === undefined ? {} : { message: o.message }),
      ...(o.stack === undefined ? {} : { stack: o.stack }),
      ...(o.status === undefined ? {} : { status: o.status }),
      ...(o.headers === undefined ? {} : { headers: o.headers }),
    };
  }

  /**
   * Gives the context and isolate back. A warm context is kept only after a run that ended cleanly: a run
   * the engine ended goes with its isolate, and one whose error escaped or that left the context in doubt
   * has its context replaced before the next run.
   */
  function releaseIsolate(s: Invocation): void {
    const { sandbox, prepared } = s;
    if (sandbox === undefined) return;
    const healthy =
      s.run.fault === undefined && !sandbox.disposed && s.outcome?.code !== 'CB_ERR_SANDBOX_TIMEOUT';
    if (prepared !== undefined) sandbox.finish(prepared, recycleReason(s, healthy));
    if (s.mode.sandbox !== undefined) sandbox.dispose();
    else pool.release(sandbox, healthy);
  }

  /** Why a warm context must not serve another run; undefined when it may. */
  function recycleReason(s: Invocation, healthy: boolean): RecycleReason | undefined {
    if (!healthy) return 'fault';
    if (s.doubt === true) return 'doubt';
    const code = s.outcome?.code;
    if (code === 'CB_ERR_SANDBOX_UNCAUGHT' || code === 'CB_ERR_SANDBOX_NO_ENTRY') return 'uncaught';
    return undefined;
  }

  function faultOutcome(s: Invocation): NonNullable<Invocation['outcome']> {
    const f = s.run.fault ?? {
      code: 'CB_ERR_SANDBOX_CRASHED' as const,
      params: { service: s.version.name, reason: 'unknown' },
    };
    const err = new IsobarError(f.code, f.params);
    return { success: false, results: null, code: f.code, message: err.message };
  }

  function readOutcome(s: Invocation, raw: unknown): NonNullable<Invocation['outcome']> {
    const limit = deps.limits.maxResultBytes;
    if (typeof raw !== 'string') return replacedRuntime();
    if (raw.length > limit + 4096) {
      s.run.fault = { code: 'CB_ERR_SANDBOX_RESULT_TOO_LARGE', params: { service: s.version.name, limit } };
      return faultOutcome(s);
    }
    const o = safeParse(raw) as Partial<Outcome> | undefined;
    if (o === undefined || typeof o.s !== 'boolean' || typeof o.r !== 'string') return replacedRuntime();
    s.doubt = o.d === 1;
    const depth = deps.limits.maxResultDepth;
    const parsed = parseResult(o.r, depth);
    if (o.c !== undefined || !parsed.ok) {
      const code =
        o.c === 'CB_ERR_SANDBOX_NO_ENTRY' || o.c === 'CB_ERR_SANDBOX_RESULT_TOO_DEEP'
          ? o.c
          : parsed.ok
            ? 'CB_ERR_SANDBOX_RESULT_TOO_LARGE'
            : 'CB_ERR_SANDBOX_RESULT_TOO_DEEP';
      const bound = code === 'CB_ERR_SANDBOX_RESULT_TOO_DEEP' ? depth : limit;
      s.run.fault = { code, params: { service: s.version.name, limit: bound } };
      return faultOutcome(s);
    }
    const headers = o.h !== undefined && typeof o.h === 'object' ? stringRecord(o.h) : undefined;
    return {
      success: o.s,
      results: parsed.value,
      ...(o.e === true ? uncaught(parsed.value) : {}),
      ...(o.e === true && typeof o.k === 'string' ? { stack: o.k } : {}),
      ...(typeof o.st === 'number' ? { status: o.st } : {}),
      ...(headers === undefined ? {} : { headers }),
    };
  }

  function classify(s: Invocation, err: unknown, seconds: number): NonNullable<Invocation['outcome']> {
    const message = err instanceof Error ? err.message : String(err);
    if (isIsobarError(err)) {
      s.run.fault = { code: err.code, params: err.params };
      return faultOutcome(s);
    }
    if (message.includes('memory limit')) {
      s.run.fault = {
        code: 'CB_ERR_SANDBOX_MEMORY',
        params: { service: s.version.name, limitMb: s.sandbox?.memoryLimitMb ?? 0 },
      };
    } else if (message === 'Script execution timed out.') {
      s.run.fault = { code: 'CB_ERR_SANDBOX_TIMEOUT', params: { service: s.version.name, seconds } };
    } else if (message.startsWith('Isolate was disposed') || s.sandbox?.disposed === true) {
      s.run.fault = { code: 'CB_ERR_SANDBOX_CRASHED', params: { service: s.version.name, reason: message } };
    } else {
      // Thrown by the service's top-level code, before its entry point ran.
      const line = errorLine(err);
      const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : undefined;
      return { success: false, results: line, ...uncaught(line), ...(stack === undefined ? {} : { stack }) };
    }
    return faultOutcome(s);
  }

  async function pipeline(
    version: ServiceVersion,
    request: InvokeRequest,
    mode: RunMode,
  ): Promise<InvokeResult> {
    const s = resolveService(version, request, mode);
    active.add(s.run);
    let busy: unknown;
    try {
      await admit(s);
      if (mode.sandbox === undefined) (await enterLane(s))();
      else await acquireIsolate(s);
      await runWithLimits(s);
    } catch (err) {
      // A full queue refuses the call itself (429 over REST): the service never ran.
      if (isIsobarError(err) && err.code === 'CB_ERR_SANDBOX_BUSY') busy = err;
      else s.outcome ??= classify(s, err, -1);
    } finally {
      active.delete(s.run);
      await collectLogs(s);
      releaseIsolate(s);
      if (s.ticket !== undefined) deps.slots.release(s.ticket);
    }
    if (busy !== undefined) throw busy;
    return deliverResult(s);
  }

  /**
   * Runs `all` (one version, in order) in one crossing into one warm context, each in its own scope with its
   * own RunState, watchdog, logs and outcome. Answers how many of them got their outcome: a run that timed
   * out or broke the context ends only itself, and the caller runs the rest again in a fresh context.
   */
  async function batchOnce(all: readonly Invocation[]): Promise<number> {
    const lead = all[0];
    let settled = 0;
    let last = lead;
    try {
      await admit(lead);
      const ticket = lead.ticket;
      if (ticket !== undefined) for (const s of all) tickets.set(s.run.ctx, ticket);
      (await enterLane(lead))();
      const { sandbox, prepared } = lead;
      if (lead.outcome !== undefined || sandbox === undefined || prepared === undefined) {
        for (const s of all) s.outcome = lead.outcome;
        return (settled = all.length);
      }
      let current = 0;
      let killed: (() => void) | undefined;
      const ended = new Promise<typeof KILLED>((resolve) => {
        killed = () => resolve(KILLED);
      });
      // One watchdog timer per crossing, not one per run: each run moves the deadline, and the timer, when it
      // fires early (the run it was set for ended), sets itself again for what is left of the current run's.
      let cancel: (() => void) | undefined;
      let deadline = 0;
      let due = Infinity;
      const fire = (): void => {
        cancel = undefined;
        due = Infinity;
        const s = all[current];
        const ms = s?.timeoutMs;
        if (s === undefined || ms === undefined) return;
        const now = deps.clock.now();
        if (deadline > now) {
          due = deadline;
          cancel = deps.clock.setTimer(deadline - now, fire);
        } else s.run.kill('CB_ERR_SANDBOX_TIMEOUT', { seconds: ms / 1000 });
      };
      const arm = (): void => {
        const ms = all[current]?.timeoutMs;
        if (ms === undefined) return;
        const now = deps.clock.now();
        deadline = now + ms;
        if (deadline >= due) return;
        cancel?.();
        due = deadline;
        cancel = deps.clock.setTimer(ms, fire);
      };
      for (const s of all) {
        s.run.onKill(() => {
          sandbox.dispose();
          killed?.();
        });
      }
      const outcomes: string[] = [];
      arm();
      deps.counters.ran(true);
      if (all.length > 1) deps.counters.batched(all.length);
      try {
        const begins = all.map((s) => JSON.stringify(beginOf(s)));
        const running = sandbox.runBatch(
          prepared,
          all.map((s) => s.run),
          begins,
          lead.timeoutMs,
          (i, o) => {
            outcomes[i] = o;
            current = i + 1;
            deps.counters.ran(true);
            arm();
          },
        );
        running.catch(() => {});
        const raw = await Promise.race([running, ended]);
        // The answer is the last run's outcome: the earlier ones came with their `next` markers, which reach
        // this thread before the answer (one queue of tasks), so `current` is the run it belongs to.
        if (raw !== KILLED && typeof raw === 'string' && raw !== '') outcomes[current] = raw;
      } catch (err) {
        const s = all[current];
        if (s.run.fault === undefined) s.outcome = classify(s, err, (s.timeoutMs ?? -1000) / 1000);
      } finally {
        cancel?.();
      }
      while (settled < all.length && outcomes[settled] !== undefined) {
        const s = all[settled++];
        if (s.run.fault === undefined) s.outcome = readOutcome(s, outcomes[settled - 1]);
        else s.outcome = faultOutcome(s);
      }
      // The run the batch stopped in (killed, or its error escaped the prelude) ends with its own code.
      if (
        settled < all.length &&
        (all[settled].run.fault !== undefined || all[settled].outcome !== undefined)
      ) {
        const s = all[settled++];
        s.outcome ??= faultOutcome(s);
      }
      last = all[Math.max(0, settled - 1)];
      last.sandbox = sandbox;
      last.prepared = prepared;
      return settled;
    } catch (err) {
      if (isIsobarError(err) && err.code === 'CB_ERR_SANDBOX_BUSY') throw err;
      lead.outcome ??= classify(lead, err, -1);
      last = lead;
      return (settled = Math.max(settled, 1));
    } finally {
      for (const s of all.slice(0, settled)) {
        active.delete(s.run);
        await collectLogs(s);
      }
      if (last !== lead) {
        lead.sandbox = undefined;
        lead.prepared = undefined;
      }
      releaseIsolate(last);
      if (lead.ticket !== undefined) deps.slots.release(lead.ticket);
      lead.ticket = undefined;
    }
  }

  /** Counts `p` in flight until it settles (idle() waits for it). */
  function track<T>(p: Promise<T>): Promise<T> {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  }

  async function batch(version: ServiceVersion, requests: readonly InvokeRequest[]): Promise<InvokeResult[]> {
    if (requests.length === 1 || version.strictIsolation === true || mayDefer(version)) {
      return Promise.all(requests.map((r) => pipeline(version, r, {})));
    }
    let rest: Invocation[] = requests.map((r) => resolveService(version, r, {}));
    const results: InvokeResult[] = [];
    for (const s of rest) active.add(s.run);
    try {
      while (rest.length > 0) {
        const n = await batchOnce(rest);
        for (const s of rest.slice(0, n)) results.push(deliverResult(s));
        rest = rest.slice(n);
      }
    } finally {
      for (const s of rest) {
        active.delete(s.run);
        await s.run.end();
      }
    }
    return results;
  }

  return {
    invokeBatch: (version, requests) => track(batch(version, requests)),
    invoke: (version, request, mode = {}) => track(pipeline(version, request, mode)),
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    killAll(code) {
      deps.slots.close();
      for (const run of active) run.kill(code);
    },
  };
}

const deferring = new WeakMap<ServiceVersion, boolean>();

/**
 * Whether the service's code may leave callbacks behind (async functions, then/catch/finally, Promise,
 * FinalizationRegistry, Atomics.waitAsync). Such a version is never batched: a callback still pending from
 * one run of a crossing could run while a later async run of the same crossing has its scope on the global
 * object. One crossing per run drains each run's callbacks before the next run begins, and the prelude puts
 * the global object back before each of its runs too (docs/warm-runs.md, "Batches"); for any other version
 * it does that only after each run, as nothing of its runs can run in between.
 */
function mayDefer(version: ServiceVersion): boolean {
  let known = deferring.get(version);
  if (known === undefined) {
    known =
      /\basync\b|\bawait\b|\bPromise\b|\bthen\b|\.\s*(catch|finally)\b|\bFinalizationRegistry\b|\bwaitAsync\b/.test(
        version.code,
      );
    deferring.set(version, known);
  }
  return known;
}

/** The service threw: ClearBlade shows its "<ErrorName>: <message>" as `results`; the code says so apart. */
function uncaught(line: unknown): { code: 'CB_ERR_SANDBOX_UNCAUGHT'; message: string } {
  return { code: 'CB_ERR_SANDBOX_UNCAUGHT', message: typeof line === 'string' ? line : String(line) };
}

/** A run whose outcome did not come back through the prelude (the service overwrote it). */
function replacedRuntime(): {
  success: false;
  results: string;
  code: 'CB_ERR_SANDBOX_UNCAUGHT';
  message: string;
} {
  const line = 'Error: the service replaced the runtime API';
  return { success: false, results: line, ...uncaught(line) };
}

function stringRecord(value: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (k !== '__proto__') out[k] = String(v);
  return out;
}
