// The prelude: run once in every context, before any user code. The engine leaves two values on the global
// object for it, `__isobarHost` (the host reference) and `__isobarConfig` (the version's config, JSON); the
// prelude takes each one off the global object as it reads it, so the reference stays inside these closures.
// Warm contexts (the default) then get the service as a factory and serve many runs, each in a fresh scope;
// a strict-isolation context serves one run of the plain script, whose request (`__isobarBegin`) the engine
// leaves on the global object just before the run.

import { CALL_OPS, SEND_OPS, type BeginRequest, type InstallConfig } from '../sandbox-protocol.js';
import { createBridge, type HostReference } from './bridge.js';
import { createClearBlade, type Identity } from './clearblade.js';
import { createLoggers } from './log.js';
import { createMessagingFactory } from './messaging.js';
import { createRequests } from './requests.js';
import { createRun, type Run } from './run.js';
import { intrinsicsChanged, restoreGlobals, snapshotGlobals } from './scope.js';
import { installWasm } from './wasm.js';
import { parse, stringify, defineProperty, keys, freeze, apply } from './intrinsics.js';

type Globals = Record<string, unknown>;

const call = (fn: Factory, self: unknown, a: unknown, b: unknown): unknown => apply(fn, self, [a, b]);

/** The globals `Api.begin` defines for every run. */
const RUNTIME_GLOBALS = [
  'ClearBlade',
  'Requests',
  'fetch',
  'log',
  'console',
  'newUUID',
  'sleep',
  'module',
  'exports',
  'cbmeta',
] as const;

/** Takes a value the engine left on the global object. */
function take(g: Globals, name: string): unknown {
  const value = g[name];
  delete g[name];
  return value;
}

/** The runtime API of one context, built once; `begin` starts a run and defines its globals. */
interface Api {
  /**
   * Begins the run of `request` (a BeginRequest, or its JSON) and sets its globals; undefined for no request.
   * `held`: a run of a batch, whose publishes wait for the batch to send them (Bridge.begin).
   */
  begin(request: unknown, held?: boolean): Run | undefined;
  /** The publishes a held run left, as encodeOutbox text ('' for none); the outbox is then empty. */
  takeOutbox(): string;
  /** Sends what a held run left in the outbox now. */
  flush(): void;
  /** The run's `module` (its `exports` is the run's `exports` global). */
  module(): { exports: unknown };
}

/** Freezes the long-lived functions of an API template (and their `prototype`), so no run can change them. */
function freezeFunctions(holder: Record<string, unknown>): void {
  for (const key of keys(holder)) {
    const v = holder[key];
    if (typeof v !== 'function') continue;
    const proto: unknown = (v as { prototype?: unknown }).prototype;
    if (proto !== null && typeof proto === 'object') freeze(proto);
    freeze(v);
  }
}

/**
 * Builds the runtime API (bridge, ClearBlade, Messaging, log/console, Requests, fetch, newUUID, sleep) ONCE
 * per context. Its functions are long-lived and frozen and consult the current run's record (`run`,
 * `random`, the bridge's and Messaging's per-run state), so beginning a run allocates only that record and
 * the run's new objects: shallow copies of `ClearBlade` (with its `Trigger`/`Timer`) and `console`, and a
 * new `module`/`exports`/`cbmeta` (nothing a run adds to them reaches the next run).
 */
function createApi(g: Globals, ref: HostReference, config: InstallConfig, pinned: boolean): Api {
  const bridge = createBridge(ref);
  const { log, console } = createLoggers(bridge, config.maxLogLineChars);
  let run: Run | undefined;
  let random = '';
  let module = { exports: {} as unknown };

  const identity = (): Identity => {
    const r = run;
    return { email: r?.req.userEmail ?? '', authToken: r?.req.userToken ?? '', user_id: r?.req.userid ?? '' };
  };

  const newUUID = (): string => {
    if (random.length < 32) {
      const answer = bridge.call(CALL_OPS.random);
      if (!answer.ok) throw new Error(answer.message);
      random += answer.data;
    }
    const h = random.slice(0, 32);
    random = random.slice(32);
    const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };

  const sleep = (ms: number): void => {
    const answer = bridge.call(CALL_OPS.sleep, Math.max(0, Number(ms) || 0));
    if (!answer.ok) throw new Error(answer.message);
  };

  const messaging = createMessagingFactory(bridge);
  const clearBlade = createClearBlade(bridge, config, messaging.Messaging, identity, log);
  const { Requests, fetch } = createRequests(bridge, console);
  const trigger = clearBlade.Trigger as Record<string, unknown>;
  const timer = clearBlade.Timer as Record<string, unknown>;
  freezeFunctions(clearBlade as unknown as Record<string, unknown>);
  freezeFunctions(trigger);
  freezeFunctions(timer);
  freezeFunctions(console as unknown as Record<string, unknown>);
  freezeFunctions({ log, Requests, fetch, newUUID, sleep, Messaging: messaging.Messaging });

  const begin = (request: unknown, held = false): Run | undefined => {
    // A single run's request comes as JSON text; a batch's as objects of the one array it parsed.
    const req = (typeof request === 'string' ? parse(request) : request) as BeginRequest | null | undefined;
    if (req === null || typeof req !== 'object') return undefined;
    random = req.random;
    bridge.begin(req.stream, held);
    messaging.reset();
    config.systemSecret = req.systemSecret;
    const r = createRun(bridge, config, req);
    run = r;
    module = { exports: {} };
    const globals: Globals = {
      ClearBlade: {
        ...clearBlade,
        systemSecret: req.systemSecret,
        user: identity(),
        Trigger: { ...trigger },
        Timer: { ...timer },
      },
      Requests,
      fetch,
      log,
      console: { ...console },
      newUUID,
      sleep,
      module,
      exports: module.exports,
      cbmeta: {
        is_edge: config.isEdge,
        edge_id: config.edgeId,
        platform_url: config.platformUrl,
        node_id: config.nodeId,
        service_id: `${config.systemKey}::${config.serviceName}`,
        service_name: config.serviceName,
        system_key: config.systemKey,
        system_secret: req.systemSecret,
        code_versions: { [config.serviceName]: config.version },
      },
    };
    // A warm context's runtime globals are pinned (defined once, non-configurable; see scope.ts): assigned
    // here, reset to undefined by the restore after the run.
    for (const name of RUNTIME_GLOBALS) {
      if (pinned) g[name] = globals[name];
      else
        defineProperty(g, name, {
          value: globals[name],
          writable: true,
          configurable: true,
          enumerable: false,
        });
    }
    return r;
  };
  return { begin, module: () => module, takeOutbox: bridge.takeOutbox, flush: bridge.flush };
}

/** Installs the runtime API for one run of the service's plain script (strict isolation). */
function installStrict(g: Globals, ref: HostReference, config: InstallConfig): void {
  installWasm(g, config.wasmMemoryMb, wasmBreach(ref, config));
  const api = createApi(g, ref, config, false);
  let run: Run | undefined;
  const begun = (): Run | undefined => (run ??= api.begin(take(g, '__isobarBegin')));
  // The context is installed before its run's request exists (a reserve of spare contexts): the runtime
  // globals begin the run when first touched, and are then the run's plain data globals.
  for (const name of RUNTIME_GLOBALS) {
    defineProperty(g, name, {
      configurable: true,
      enumerable: false,
      get: () => (begun() === undefined ? undefined : g[name]),
      set: (value: unknown) => {
        if (begun() !== undefined) g[name] = value;
      },
    });
  }
  defineProperty(g, '__isobarMain', {
    configurable: true,
    writable: true,
    value: (entry: unknown) => {
      delete g.__isobarMain;
      const r = begun();
      if (r === undefined) throw new Error('run not begun');
      const mod = g.module as { exports?: unknown } | null | undefined;
      return r.main(entryPoint(entry, typeof mod === 'object' && mod !== null ? mod.exports : undefined));
    },
  });
}

/** The service's code compiled as a function: its top-level declarations are new on every call. */
type Factory = (this: unknown, module: unknown, exports: unknown) => unknown;

/**
 * Installs the warm runner: `__isobarFactory(factory)` (called once, by the engine's wrapped service script)
 * answers the function the engine calls for every run, with the request JSON; it resolves with the
 * outcome JSON. The global object is snapshotted once the factory is known and put back before and after
 * every run (before: a late promise callback of the previous run may have added names).
 */
function installWarm(g: Globals, ref: HostReference, config: InstallConfig): void {
  const wasm = installWasm(g, config.wasmMemoryMb, wasmBreach(ref, config));
  defineProperty(g, '__isobarFactory', {
    configurable: true,
    writable: true,
    value: (factory: Factory) => {
      delete g.__isobarFactory;
      // The runtime globals exist between runs as undefined, so a run's assignment is a value change.
      for (const name of RUNTIME_GLOBALS) {
        defineProperty(g, name, { value: undefined, writable: true, configurable: true, enumerable: false });
      }
      const snap = snapshotGlobals(g);
      const api = createApi(g, ref, config, true);
      const done = (text: string): string => {
        const clean = restoreGlobals(g, snap) && !intrinsicsChanged(snap) && !wasm();
        // The outcome is JSON text of an object: the flag is appended without parsing it again.
        return clean ? text : `${text.slice(0, -1)},"d":1}`;
      };
      // Whether the last run ended synchronously, putting the global object back as its last step (and
      // nothing ran since the install, at first).
      let settledSync = true;
      const doneLater = (text: string): string => {
        settledSync = false;
        return done(text);
      };
      // `restored`: the previous run of a batch ended synchronously just now and put the global object back,
      // and no code ran since (the batch is one synchronous loop): restoring again would only allocate.
      const runOne = (request: unknown, restored = false, held = false): string | Promise<string> => {
        if (!restored) restoreGlobals(g, snap);
        settledSync = true;
        const r = api.begin(request, held);
        if (r === undefined) return done(stringify({ s: false, r: 'null', e: true }));
        const module = api.module();
        let entry: unknown;
        try {
          entry = call(factory, g, module, module.exports);
        } catch (err) {
          return done(r.fail(err));
        }
        let out: string | Promise<string>;
        try {
          out = r.main(entryPoint(entry, module.exports));
        } catch (err) {
          return done(r.fail(err));
        }
        return typeof out === 'string' ? done(out) : out.then(doneLater);
      };
      // `quiet` (the host's word: the version's code leaves no callbacks behind, invoke.ts mayDefer): after a
      // run that ended synchronously nothing of it can have run since its restore, so the restore before the
      // next single run is skipped. A batch restores before its first run as always.
      return (requestJson: string, quiet?: boolean): string | Promise<string> =>
        requestJson.charCodeAt(0) === 0x5b
          ? runBatch(ref, api, parse(requestJson) as unknown[], runOne)
          : runOne(requestJson, quiet === true && settledSync);
    },
  });
}

// Captured at install time, like every built-in the prelude calls between runs: a run cannot steer it.
const stringIncludes = String.prototype.includes;
const includes = (text: string, part: string): boolean => apply(stringIncludes, text, [part]) as boolean;

/**
 * Whether an outcome leaves the context unfit for the batch's next run (it is then replaced first), read off
 * the outcome's JSON text without parsing it again: `e`, `c` and `d` are top-level keys never written first
 * (`s` is), so each is preceded by `,`; a `"` right after `,` is never inside a string (there it is escaped),
 * and the values of `h` (headers) are strings, so `,"e":true` and `,"d":1` can only be those keys. A header
 * named `c` would only end the batch early (its runs then go to a fresh context): the safe direction.
 */
function endsBatch(outcome: string): boolean {
  return includes(outcome, ',"e":true') || includes(outcome, ',"c":') || includes(outcome, ',"d":1');
}

/**
 * Runs a batch of requests (the parsed JSON array of the BeginRequests, one parse per crossing) one after
 * another, each in its own fresh scope, and answers the outcome of the last run it ran. After each run but
 * that last one, a `next` marker tells the host the run ended (with its outcome, which so crosses once), so
 * the host's ops and logs of later runs go to the next run. It stops after a run whose outcome would replace
 * the context: the host runs the rest in a fresh one.
 */
function runBatch(
  ref: HostReference,
  api: Pick<Api, 'takeOutbox' | 'flush'>,
  items: readonly unknown[],
  runOne: (request: unknown, restored: boolean, held: boolean) => string | Promise<string>,
): string | Promise<string> {
  // Each run's publishes wait in the outbox and leave with its `next` marker (one crossing per run); the
  // last run's leave before the outcomes (a crossing of its own, ahead of the answer in the host's queue).
  const settle = (i: number, outcome: string): boolean => {
    const last = i + 1 >= items.length || endsBatch(outcome);
    if (last) api.flush();
    else ref.applyIgnored(undefined, [SEND_OPS.next, i, outcome, api.takeOutbox()]);
    return last;
  };
  const from = (start: number): string | Promise<string> => {
    for (let i = start; i < items.length; i++) {
      const out = runOne(items[i], i > start, true);
      if (typeof out !== 'string') return out.then((o) => (settle(i, o) ? o : from(i + 1)));
      if (settle(i, out)) return out;
    }
    return '';
  };
  return from(0);
}

/** Asks the host to end the run when WebAssembly memory goes over the budget. */
function wasmBreach(ref: HostReference, config: InstallConfig): () => never {
  const bridge = createBridge(ref);
  return () => {
    bridge.call(CALL_OPS.limit, 'wasm', config.wasmMemoryMb);
    throw new RangeError(`WebAssembly memory over the limit of ${config.wasmMemoryMb} MB`);
  };
}

/**
 * The function to run: the global named like the service (a function, or an esbuild IIFE namespace whose
 * `default` is one), else `module.exports.default`, else `module.exports` (CommonJS bundles).
 */
function entryPoint(named: unknown, exports: unknown): unknown {
  if (typeof named === 'function') return named;
  for (const holder of [named, exports]) {
    if (holder === null || (typeof holder !== 'object' && typeof holder !== 'function')) continue;
    const d = (holder as { default?: unknown }).default;
    if (typeof d === 'function') return d;
  }
  return typeof exports === 'function' ? exports : undefined;
}

{
  const g = globalThis as unknown as Globals;
  const ref = take(g, '__isobarHost');
  const configJson = take(g, '__isobarConfig');
  if (ref !== undefined && typeof configJson === 'string') {
    const config = parse(configJson) as InstallConfig;
    if (config.warm) installWarm(g, ref as HostReference, config);
    else installStrict(g, ref as HostReference, config);
  }
}
