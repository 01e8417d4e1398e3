// One isolate holding one service version's compiled scripts, and the contexts runs execute in.
// Warm (the default): one context holds the prelude and the service compiled as a factory, and serves run
// after run, each in a fresh scope (runtime-api/prelude/scope.ts puts the global object back); it is
// replaced after `maxRuns` runs, `idleMs` without a run, or a run that left it in doubt. Strict isolation:
// a small reserve of spare contexts (prelude installed, bridge bound) is built in the background on the
// isolate's thread and each run takes a fresh one. Either way a run is one task on that thread (hand over
// the request, run the service), i.e. one thread hop, and Node's thread only dispatches it.

import { performance } from 'node:perf_hooks';
import ivm from 'isolated-vm';
import type { InstallConfig } from '../runtime-api/sandbox-protocol.js';
import { createHostFunction, type BridgeSlot } from './bridge.js';
import type { BuildSlots } from './build-slots.js';
import type { DelayedPublishes } from './delayed-publish.js';
import { preludeSource } from './prelude.js';
import type { RunState } from './run-state.js';
import type { ServiceVersion } from './types.js';

/**
 * The function a warm context runs a request with: request JSON in, outcome JSON (or its promise) out.
 * `quiet`: the version leaves no callbacks behind (invoke.ts `mayDefer`), so the prelude may skip putting the
 * global object back before the run when its last run ended synchronously and put it back then.
 */
export type Runner = (beginJson: string, quiet?: boolean) => string | Promise<string>;

/** A context ready for a run (strict: one run; warm: many, one at a time). */
export interface PreparedContext {
  readonly context: ivm.Context;
  readonly slot: BridgeSlot;
  readonly hostRef: ivm.Reference;
  /** Warm contexts: the prelude's runner. */
  readonly runner?: ivm.Reference<Runner>;
  /** Engine-wide sequence number, for the counters and tests. */
  readonly id: number;
  /** Runs this context has served. */
  runs: number;
  /** Clock ms when its last run ended (or it was built); warm contexts only. */
  idleSince: number;
}

/** Why a context was replaced (engine counters). */
export type RecycleReason = 'runs' | 'idle' | 'fault' | 'uncaught' | 'doubt';

/** Warm-context settings of a version; absent for strict isolation. */
export interface WarmOptions {
  /** Runs one context serves before it is replaced. */
  readonly maxRuns: number;
  /** A context idle longer than this (ms) is replaced when next taken. */
  readonly idleMs: number;
  /** The engine's clock (ms), for idle time. */
  readonly now: () => number;
}

/** Engine-wide counters of context lifecycles (Engine.stats). */
export interface ContextEvents {
  built(): void;
  recycled(reason: RecycleReason): void;
}

export interface SandboxOptions {
  readonly memoryLimitMb: number;
  readonly config: Omit<InstallConfig, 'serviceName' | 'version' | 'systemKey' | 'warm'>;
  readonly delayed: DelayedPublishes;
  readonly onCatastrophicError: (message: string) => void;
  /** Shared by every sandbox of the engine: bounds context builds in flight. */
  readonly builds: BuildSlots;
  /** Warm contexts; undefined = strict isolation (a fresh context per run). */
  readonly warm?: WarmOptions;
  readonly events?: ContextEvents;
}

/** An isolate with the prelude compiled and no service yet: taking one makes a new version ready in ~0.2 ms. */
export interface Blank {
  readonly isolate: ivm.Isolate;
  readonly prelude: ivm.Script;
  readonly memoryLimitMb: number;
}

/** V8's code cache of the prelude, produced by the first compile: later compiles skip parsing. */
let preludeCache: ivm.ExternalCopy<ArrayBuffer> | undefined;

/** A new isolate with the prelude compiled. */
export async function createBlank(
  memoryLimitMb: number,
  onCatastrophicError: (message: string) => void,
): Promise<Blank> {
  const isolate = new ivm.Isolate({ memoryLimit: memoryLimitMb, onCatastrophicError });
  try {
    const filename = 'isobar:prelude.js';
    let prelude: ivm.Script;
    if (preludeCache === undefined) {
      const produced = (await isolate.compileScript(preludeSource(), {
        filename,
        produceCachedData: true,
      })) as ivm.Script & ivm.CachedDataResult;
      preludeCache ??= produced.cachedData;
      prelude = produced;
    } else {
      prelude = await isolate.compileScript(preludeSource(), { filename, cachedData: preludeCache });
    }
    return { isolate, prelude, memoryLimitMb };
  } catch (err) {
    if (!isolate.isDisposed) isolate.dispose();
    throw err;
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const SYNC_COMPILE_CHARS = 32 * 1024;

/** The service's code plus the call that hands its entry point to the prelude. */
export function wrapService(version: ServiceVersion): string {
  const name = version.name;
  const entry = IDENTIFIER.test(name)
    ? `typeof ${name} === "undefined" ? undefined : ${name}`
    : `globalThis[${JSON.stringify(name)}]`;
  return `${version.code}\n;globalThis.__isobarMain(${entry});`;
}

/**
 * The service as a function the warm prelude calls once per run, so its top-level declarations start anew
 * every run (ClearBlade runs the whole script per call). The code is known to compile as a script on its
 * own (checked first), so its braces balance and it cannot close this wrapper early. `lineOffset: -1` keeps
 * line numbers those of `code`.
 */
function wrapFactory(version: ServiceVersion): string {
  const name = version.name;
  const entry = IDENTIFIER.test(name)
    ? `typeof ${name} === "undefined" ? undefined : ${name}`
    : `globalThis[${JSON.stringify(name)}]`;
  return `__isobarFactory(function (module, exports) {\n${version.code}\n;return (${entry});\n});`;
}

let nextContextId = 1;

/**
 * Spare contexts kept per isolate, by the interval between its recent runs: a context costs the isolate's
 * thread ~0.5 ms, so an isolate called more often than that keeps a deeper reserve to absorb bursts.
 */
export function spareTarget(intervalMs: number, memoryLimitMb: number): number {
  const want = intervalMs < 1 ? 4 : intervalMs < 3 ? 3 : intervalMs < 20 ? 2 : 1;
  // Each context holds ~150 KB of the isolate's heap: small isolates keep fewer.
  return memoryLimitMb <= 16 ? Math.min(want, 2) : want;
}

interface Waiter {
  readonly resolve: (prepared: PreparedContext) => void;
  readonly reject: (err: unknown) => void;
}

export class Sandbox {
  readonly isolate: ivm.Isolate;
  readonly version: ServiceVersion;
  readonly memoryLimitMb: number;
  /** Set when the service does not compile: runs answer it instead of running. */
  readonly compileError: string | undefined;
  readonly #prelude: ivm.Script;
  readonly #service: ivm.Script | undefined;
  /** Warm mode: the service wrapped as a factory (wrapFactory). */
  readonly #factory: ivm.Script | undefined;
  /** Warm mode: the context between runs. */
  #warmContext: PreparedContext | undefined;
  /** Warm mode: contexts out on a run (one at most: the pool hands an isolate to one run at a time). */
  #inUse = 0;
  readonly #options: SandboxOptions;
  readonly #configJson: string;
  readonly #spares: PreparedContext[] = [];
  /** Runs waiting for a context while none is spare, served in order as builds finish. */
  readonly #waiters: Waiter[] = [];
  #building = 0;
  /** Background builds in flight (their tasks), oldest first: a run that comes to wait for one hurries it. */
  readonly #background: Array<() => Promise<PreparedContext>> = [];
  #warming = false;
  #lastRun = -Infinity;
  /** Smoothed interval between runs (ms): sizes the reserve. */
  #interval = Infinity;

  private constructor(
    isolate: ivm.Isolate,
    version: ServiceVersion,
    prelude: ivm.Script,
    service: ivm.Script | undefined,
    factory: ivm.Script | undefined,
    compileError: string | undefined,
    options: SandboxOptions,
  ) {
    this.isolate = isolate;
    this.version = version;
    this.memoryLimitMb = options.memoryLimitMb;
    this.#prelude = prelude;
    this.#service = service;
    this.#factory = factory;
    this.compileError = compileError;
    this.#options = options;
    const config: InstallConfig = {
      ...options.config,
      systemKey: version.systemKey,
      serviceName: version.name,
      version: version.version,
      warm: options.warm !== undefined,
    };
    this.#configJson = JSON.stringify(config);
  }

  /** The service compiled into `blank` (or a new isolate); compile errors are kept, not thrown. */
  static async create(version: ServiceVersion, options: SandboxOptions, blank?: Blank): Promise<Sandbox> {
    const { isolate, prelude } =
      blank ?? (await createBlank(options.memoryLimitMb, options.onCatastrophicError));
    try {
      let service: ivm.Script | undefined;
      let factory: ivm.Script | undefined;
      let compileError: string | undefined;
      // A small service compiles in ~0.1 ms: doing it here skips two thread hops. Big bundles compile on
      // the isolate's thread so Node's thread never stalls on them.
      const compile = (source: string, lineOffset: number): ivm.Script | Promise<ivm.Script> => {
        const origin = { filename: `${version.name}.js`, lineOffset };
        return source.length <= SYNC_COMPILE_CHARS
          ? isolate.compileScriptSync(source, origin)
          : isolate.compileScript(source, origin);
      };
      try {
        // Always compiled as a plain script: strict runs use it, and for warm ones it proves the code
        // cannot break out of the factory's wrapper.
        service = await compile(wrapService(version), 0);
        if (options.warm !== undefined) factory = await compile(wrapFactory(version), -1);
      } catch (err) {
        compileError = errorLine(err);
        service = undefined;
      }
      return new Sandbox(isolate, version, prelude, service, factory, compileError, options);
    } catch (err) {
      if (!isolate.isDisposed) isolate.dispose();
      throw err;
    }
  }

  get disposed(): boolean {
    return this.isolate.isDisposed;
  }

  /** Whether a context is built: a run taking this isolate starts at once. */
  get ready(): boolean {
    return this.#warmContext !== undefined || this.#spares.length > 0;
  }

  /** Whether runs share a warm context (else each takes a fresh one). */
  get isWarm(): boolean {
    return this.#options.warm !== undefined;
  }

  /**
   * Tops up the reserve of spare contexts in the background, from a later turn: dispatching the builds
   * costs Node's thread a little, which must not land on the call that made the version ready or ended a run.
   */
  warm(): void {
    if (this.#warming || this.disposed || this.#service === undefined) return;
    this.#warming = true;
    setImmediate(() => {
      this.#warming = false;
      // Warm: one context, kept between runs; strict: a reserve sized by the pace of runs.
      if (this.isWarm) {
        if (this.#warmContext === undefined && this.#inUse === 0) this.#fill(1);
      } else {
        this.#fill(spareTarget(this.#interval, this.memoryLimitMb));
      }
    });
  }

  /**
   * A context for one run: the warm one (unless it idled too long), else a spare or the next one built,
   * prelude installed and bridge bound.
   */
  takeContext(): Promise<PreparedContext> {
    if (this.isWarm) this.#inUse++;
    const warm = this.#warmContext;
    if (warm !== undefined) {
      this.#warmContext = undefined;
      const idleMs = this.#options.warm?.idleMs ?? Infinity;
      if (this.#now() - warm.idleSince <= idleMs) return Promise.resolve(warm);
      this.#recycle(warm, 'idle');
    }
    const spare = this.#spares.shift();
    if (spare !== undefined) {
      this.warm();
      return Promise.resolve(spare);
    }
    return new Promise<PreparedContext>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      // Warm: a background build already in flight (the version was just made ready, or its context was
      // recycled) becomes this run's context. Starting a second one would leave two contexts: the later one
      // would take the warm slot while this run is out, and the next run would not share this run's context.
      if (this.isWarm && this.#building >= this.#waiters.length) {
        for (const task of this.#background) this.#options.builds.hurry(task);
      } else {
        this.#start(true);
      }
    }).catch((err: unknown) => {
      if (this.isWarm) this.#inUse = Math.max(0, this.#inUse - 1);
      throw err;
    });
  }

  /**
   * Runs the service in `prepared` for `run`; resolves with the prelude's outcome text. The request and the
   * run are queued together on the isolate's thread, so the run costs one hop; the prelude reads the request
   * when the service's code hands it its entry point. `quiet`: see Runner.
   */
  run(
    prepared: PreparedContext,
    run: RunState,
    beginJson: string,
    timeoutMs: number | undefined,
    quiet = false,
  ): Promise<unknown> {
    const service = this.#service;
    if (service === undefined) return Promise.reject(new Error('service does not compile'));
    const now = performance.now();
    const gap = Math.min(1000, now - this.#lastRun);
    this.#interval = this.#interval === Infinity ? gap : this.#interval * 0.8 + gap * 0.2;
    this.#lastRun = now;
    prepared.slot.run = run;
    prepared.runs++;
    if (prepared.runner !== undefined) {
      // Only the request crosses in; the outcome JSON crosses out.
      return prepared.runner.apply(undefined, [beginJson, quiet], {
        result: { promise: true },
        ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
      });
    }
    prepared.context.global.setIgnored('__isobarBegin', beginJson);
    return service.run(
      prepared.context,
      timeoutMs === undefined ? { promise: true } : { promise: true, timeout: timeoutMs },
    );
  }

  /**
   * Runs a batch of requests in a warm context in one crossing (the prelude's runBatch): resolves with the
   * outcome of the last run it reached (the others come with their `next` markers). `runs[i]` serves run i's
   * ops; the prelude's `next` marker after each run moves the bridge to the next one and tells `onNext`.
   * `timeoutMs` bounds each run (the caller's watchdog); the crossing as a whole gets the sum.
   */
  runBatch(
    prepared: PreparedContext,
    runs: readonly RunState[],
    beginJsons: readonly string[],
    timeoutMs: number | undefined,
    onNext: (index: number, outcome: string) => void,
  ): Promise<unknown> {
    const runner = prepared.runner;
    if (runner === undefined) return Promise.reject(new Error('a batch needs a warm context'));
    this.#lastRun = performance.now();
    prepared.slot.run = runs[0];
    prepared.slot.onNext = (index, outcome) => {
      prepared.slot.run = runs[index + 1];
      onNext(index, outcome);
    };
    prepared.runs += runs.length;
    // One JSON array of the request objects (not an array of their texts): one parse, no second escaping.
    return runner.apply(undefined, [`[${beginJsons.join(',')}]`], {
      result: { promise: true },
      ...(timeoutMs === undefined ? {} : { timeout: timeoutMs * runs.length }),
    });
  }

  /**
   * Gives a context back after its run. A warm context is kept for the next run unless `reason` says why
   * it must go (or it served `maxRuns`); a strict one is always freed.
   */
  finish(prepared: PreparedContext, reason: RecycleReason | undefined): void {
    prepared.slot.run = undefined;
    prepared.slot.onNext = undefined;
    prepared.idleSince = this.#now();
    const warm = this.#options.warm;
    if (warm === undefined || prepared.runner === undefined) return this.release(prepared);
    this.#inUse = Math.max(0, this.#inUse - 1);
    const why = reason ?? (prepared.runs >= warm.maxRuns ? 'runs' : undefined);
    if (why !== undefined) return this.#recycle(prepared, why);
    if (this.disposed || this.#warmContext !== undefined) return this.release(prepared);
    this.#warmContext = prepared;
  }

  #now(): number {
    return this.#options.warm?.now() ?? 0;
  }

  #recycle(prepared: PreparedContext, reason: RecycleReason): void {
    this.#options.events?.recycled(reason);
    this.release(prepared);
    this.warm();
  }

  /** Frees a used context. */
  release(prepared: PreparedContext): void {
    prepared.slot.run = undefined;
    try {
      prepared.hostRef.release();
      prepared.runner?.release();
    } catch {
      // already gone with the isolate
    }
    try {
      prepared.context.release();
    } catch {
      // already gone with the isolate
    }
  }

  dispose(): void {
    this.#spares.length = 0;
    this.#warmContext = undefined;
    if (!this.isolate.isDisposed) {
      try {
        this.isolate.dispose();
      } catch {
        // disposing twice from two paths is harmless
      }
    }
    const err = new Error('Isolate was disposed');
    for (const w of this.#waiters.splice(0)) w.reject(err);
  }

  /** Starts builds until spares plus builds in flight reach `count`. */
  #fill(count: number): void {
    while (!this.disposed && this.#spares.length + this.#building < count) this.#start(false);
  }

  /** Queues one build; `urgent` when a run waits for it. */
  #start(urgent: boolean): void {
    this.#building++;
    const task = (): Promise<PreparedContext> => this.#build();
    if (!urgent) this.#background.push(task);
    const done = (): void => {
      this.#building--;
      const i = this.#background.indexOf(task);
      if (i >= 0) this.#background.splice(i, 1);
    };
    this.#options.builds.run(urgent, task).then(
      (prepared) => {
        done();
        const waiter = this.#waiters.shift();
        if (waiter !== undefined) waiter.resolve(prepared);
        else if (this.disposed) this.release(prepared);
        else if (this.isWarm && this.#warmContext === undefined) this.#warmContext = prepared;
        else if (this.isWarm) this.release(prepared);
        else this.#spares.push(prepared);
      },
      (err: unknown) => {
        done();
        this.#waiters.shift()?.reject(err);
      },
    );
  }

  /**
   * One context: created, then given the host reference and config and the prelude in one hop (warm: and
   * the service's factory, whose runner comes back as a reference, in the same hop).
   */
  async #build(): Promise<PreparedContext> {
    if (this.disposed) throw new Error('Isolate was disposed');
    const context = await this.isolate.createContext();
    const slot: BridgeSlot = {};
    const hostRef = new ivm.Reference(createHostFunction(slot, this.#options.delayed));
    const base = { context, slot, hostRef, id: nextContextId++, runs: 0, idleSince: this.#now() };
    let prepared: PreparedContext = base;
    try {
      const global = context.global;
      global.setIgnored('__isobarHost', hostRef);
      global.setIgnored('__isobarConfig', this.#configJson);
      const installed = this.#prelude.run(context);
      const factory = this.#factory?.run(context, { reference: true });
      factory?.catch(() => {}); // reported through `installed` when the prelude failed first
      if ((await installed) !== true) throw new Error('the runtime API did not install');
      if (factory !== undefined) {
        const runner = (await factory) as ivm.Reference<Runner>;
        prepared = { ...base, runner };
        if (runner.typeof !== 'function') throw new Error('the service factory did not install');
      }
      this.#options.events?.built();
      return prepared;
    } catch (err) {
      this.release(prepared);
      throw err;
    }
  }
}

/** "<Name>: <message>" of an error coming out of isolated-vm. */
export function errorLine(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return `Error: ${String(err)}`;
}
