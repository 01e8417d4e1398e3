// One isolate holding one service version's compiled scripts, and the fresh contexts runs execute in.
// A small reserve of spare contexts (prelude installed, bridge bound) is built in the background on the
// isolate's thread, so a run pays for no context creation: it is one task on that thread (set the request,
// run the service), i.e. one thread hop, and Node's thread only dispatches it.

import { performance } from 'node:perf_hooks';
import ivm from 'isolated-vm';
import type { InstallConfig } from '../runtime-api/sandbox-protocol.js';
import { createHostFunction, type BridgeSlot } from './bridge.js';
import type { BuildSlots } from './build-slots.js';
import type { DelayedPublishes } from './delayed-publish.js';
import { preludeSource } from './prelude.js';
import type { RunState } from './run-state.js';
import type { ServiceVersion } from './types.js';

/** A context ready for one run. */
export interface PreparedContext {
  readonly context: ivm.Context;
  readonly slot: BridgeSlot;
  readonly hostRef: ivm.Reference;
}

export interface SandboxOptions {
  readonly memoryLimitMb: number;
  readonly config: Omit<InstallConfig, 'serviceName' | 'version' | 'systemKey'>;
  readonly delayed: DelayedPublishes;
  readonly onCatastrophicError: (message: string) => void;
  /** Shared by every sandbox of the engine: bounds context builds in flight. */
  readonly builds: BuildSlots;
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
  readonly #options: SandboxOptions;
  readonly #configJson: string;
  readonly #spares: PreparedContext[] = [];
  /** Runs waiting for a context while none is spare, served in order as builds finish. */
  readonly #waiters: Waiter[] = [];
  #building = 0;
  #warming = false;
  #lastRun = -Infinity;
  /** Smoothed interval between runs (ms): sizes the reserve. */
  #interval = Infinity;

  private constructor(
    isolate: ivm.Isolate,
    version: ServiceVersion,
    prelude: ivm.Script,
    service: ivm.Script | undefined,
    compileError: string | undefined,
    options: SandboxOptions,
  ) {
    this.isolate = isolate;
    this.version = version;
    this.memoryLimitMb = options.memoryLimitMb;
    this.#prelude = prelude;
    this.#service = service;
    this.compileError = compileError;
    this.#options = options;
    const config: InstallConfig = {
      ...options.config,
      systemKey: version.systemKey,
      serviceName: version.name,
      version: version.version,
    };
    this.#configJson = JSON.stringify(config);
  }

  /** The service compiled into `blank` (or a new isolate); compile errors are kept, not thrown. */
  static async create(version: ServiceVersion, options: SandboxOptions, blank?: Blank): Promise<Sandbox> {
    const { isolate, prelude } =
      blank ?? (await createBlank(options.memoryLimitMb, options.onCatastrophicError));
    try {
      let service: ivm.Script | undefined;
      let compileError: string | undefined;
      try {
        const source = wrapService(version);
        const origin = { filename: `${version.name}.js` };
        // A small service compiles in ~0.1 ms: doing it here skips two thread hops. Big bundles compile on
        // the isolate's thread so Node's thread never stalls on them.
        service =
          source.length <= SYNC_COMPILE_CHARS
            ? isolate.compileScriptSync(source, origin)
            : await isolate.compileScript(source, origin);
      } catch (err) {
        compileError = errorLine(err);
      }
      return new Sandbox(isolate, version, prelude, service, compileError, options);
    } catch (err) {
      if (!isolate.isDisposed) isolate.dispose();
      throw err;
    }
  }

  get disposed(): boolean {
    return this.isolate.isDisposed;
  }

  /** Whether a spare context is built: a run taking this isolate starts at once. */
  get ready(): boolean {
    return this.#spares.length > 0;
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
      this.#fill(spareTarget(this.#interval, this.memoryLimitMb));
    });
  }

  /** A spare context (or the next one built), prelude installed and bridge bound. */
  takeContext(): Promise<PreparedContext> {
    const spare = this.#spares.shift();
    if (spare !== undefined) {
      this.warm();
      return Promise.resolve(spare);
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#start(true);
    });
  }

  /**
   * Runs the service in `prepared` for `run`; resolves with the prelude's outcome text. The request and the
   * run are queued together on the isolate's thread, so the run costs one hop; the prelude reads the request
   * when the service's code hands it its entry point.
   */
  run(
    prepared: PreparedContext,
    run: RunState,
    beginJson: string,
    timeoutMs: number | undefined,
  ): Promise<unknown> {
    const service = this.#service;
    if (service === undefined) return Promise.reject(new Error('service does not compile'));
    const now = performance.now();
    const gap = Math.min(1000, now - this.#lastRun);
    this.#interval = this.#interval === Infinity ? gap : this.#interval * 0.8 + gap * 0.2;
    this.#lastRun = now;
    prepared.slot.run = run;
    prepared.context.global.setIgnored('__isobarBegin', beginJson);
    return service.run(
      prepared.context,
      timeoutMs === undefined ? { promise: true } : { promise: true, timeout: timeoutMs },
    );
  }

  /** Frees a used context. */
  release(prepared: PreparedContext): void {
    prepared.slot.run = undefined;
    try {
      prepared.hostRef.release();
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
    this.#options.builds
      .run(urgent, () => this.#build())
      .then(
        (prepared) => {
          this.#building--;
          const waiter = this.#waiters.shift();
          if (waiter !== undefined) waiter.resolve(prepared);
          else if (this.disposed) this.release(prepared);
          else this.#spares.push(prepared);
        },
        (err: unknown) => {
          this.#building--;
          this.#waiters.shift()?.reject(err);
        },
      );
  }

  /** One context: created, then given the host reference and config and the prelude in one hop. */
  async #build(): Promise<PreparedContext> {
    if (this.disposed) throw new Error('Isolate was disposed');
    const context = await this.isolate.createContext();
    const slot: BridgeSlot = {};
    const hostRef = new ivm.Reference(createHostFunction(slot, this.#options.delayed));
    const prepared = { context, slot, hostRef };
    try {
      const global = context.global;
      global.setIgnored('__isobarHost', hostRef);
      global.setIgnored('__isobarConfig', this.#configJson);
      if ((await this.#prelude.run(context)) !== true) throw new Error('the runtime API did not install');
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
