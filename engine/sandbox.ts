// One isolate holding one service version's compiled scripts, and the fresh contexts runs execute in.
// A spare context (prelude installed, bridge bound) is built in the background after each run, so the next
// run starts without paying for context creation on its path.

import ivm from 'isolated-vm';
import type { BeginRequest, InstallConfig } from '../runtime-api/sandbox-protocol.js';
import { createHostFunction, type BridgeSlot } from './bridge.js';
import type { DelayedPublishes } from './delayed-publish.js';
import { preludeSource } from './prelude.js';
import type { RunState } from './run-state.js';
import type { ServiceVersion } from './types.js';

/** A context ready for one run. */
export interface PreparedContext {
  readonly context: ivm.Context;
  readonly slot: BridgeSlot;
  readonly hostRef: ivm.Reference;
  readonly begin: ivm.Reference<(beginJson: string) => void>;
}

export interface SandboxOptions {
  readonly memoryLimitMb: number;
  readonly config: Omit<InstallConfig, 'serviceName' | 'version' | 'systemKey'>;
  readonly delayed: DelayedPublishes;
  readonly onCatastrophicError: (message: string) => void;
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
  #spare: Promise<PreparedContext> | undefined;
  #warming = false;

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

  /**
   * Builds the next run's context in the background, from a later turn: starting a context costs Node's
   * thread ~0.4 ms, which must not land on the call that made the version ready or ended a run.
   */
  warm(): void {
    if (this.#warming || this.#spare !== undefined || this.disposed || this.#service === undefined) return;
    this.#warming = true;
    setImmediate(() => {
      this.#warming = false;
      if (this.#spare !== undefined || this.disposed) return;
      const spare = this.#build();
      spare.catch(() => {}); // a failure resurfaces in takeContext
      this.#spare = spare;
    });
  }

  /** The spare context (or a new one), prelude installed and bridge bound. */
  takeContext(): Promise<PreparedContext> {
    const spare = this.#spare ?? this.#build();
    this.#spare = undefined;
    return spare;
  }

  /** Runs the service in `prepared` for `run`; resolves with the prelude's outcome text. */
  async run(
    prepared: PreparedContext,
    run: RunState,
    begin: BeginRequest,
    timeoutMs: number | undefined,
  ): Promise<unknown> {
    const service = this.#service;
    if (service === undefined) throw new Error('service does not compile');
    prepared.slot.run = run;
    prepared.begin.applySync(undefined, [JSON.stringify(begin)]);
    return service.run(
      prepared.context,
      timeoutMs === undefined ? { promise: true } : { promise: true, timeout: timeoutMs },
    );
  }

  /** Frees a used context. */
  release(prepared: PreparedContext): void {
    prepared.slot.run = undefined;
    for (const r of [prepared.begin, prepared.hostRef]) {
      try {
        r.release();
      } catch {
        // already gone with the isolate
      }
    }
    try {
      prepared.context.release();
    } catch {
      // already gone with the isolate
    }
  }

  dispose(): void {
    this.#spare = undefined;
    if (!this.isolate.isDisposed) {
      try {
        this.isolate.dispose();
      } catch {
        // disposing twice from two paths is harmless
      }
    }
  }

  async #build(): Promise<PreparedContext> {
    const context = await this.isolate.createContext();
    const install = (await this.#prelude.run(context, { reference: true })) as ivm.Reference<
      (hostRef: ivm.Reference, configJson: string) => (beginJson: string) => void
    >;
    const slot: BridgeSlot = {};
    const hostRef = new ivm.Reference(createHostFunction(slot, this.#options.delayed));
    const begin = (await install.apply(undefined, [hostRef, this.#configJson], {
      result: { reference: true },
    })) as ivm.Reference<(beginJson: string) => void>;
    install.release();
    return { context, slot, hostRef, begin };
  }
}

/** "<Name>: <message>" of an error coming out of isolated-vm. */
export function errorLine(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return `Error: ${String(err)}`;
}
