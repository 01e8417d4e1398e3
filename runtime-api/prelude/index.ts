// The prelude: run once in every fresh context, before any user code. The engine leaves three values on the
// global object for it: `__isobarHost` (the host reference) and `__isobarConfig` (the version's config, JSON)
// before the prelude runs, and `__isobarBegin` (the request, JSON) just before the run. The prelude takes
// each one off the global object as it reads it, so the reference stays inside these closures.

import { CALL_OPS, type BeginRequest, type InstallConfig } from '../sandbox-protocol.js';
import { createBridge, type HostReference } from './bridge.js';
import { createClearBlade, type Identity } from './clearblade.js';
import { createLoggers } from './log.js';
import { createMessagingFactory } from './messaging.js';
import { createRun, type Run } from './run.js';
import { installWasm } from './wasm.js';

type Globals = Record<string, unknown>;

const parse = JSON.parse;
const defineProperty = Object.defineProperty;

/** Takes a value the engine left on the global object. */
function take(g: Globals, name: string): unknown {
  const value = g[name];
  delete g[name];
  return value;
}

/** Installs the runtime API; the run begins when `__isobarMain` (or anything needing the caller) first asks. */
function install(g: Globals, ref: HostReference, configJson: string): void {
  const config = parse(configJson) as InstallConfig;
  const bridge = createBridge(ref);
  const { log, console } = createLoggers(bridge, config.maxLogLineChars);
  let run: Run | undefined;
  let random = '';

  /** The run, begun from the request the engine left on the global object (read once). */
  const begun = (): Run | undefined => {
    if (run !== undefined) return run;
    const text = take(g, '__isobarBegin');
    if (typeof text !== 'string') return undefined;
    const begin = parse(text) as BeginRequest;
    random = begin.random;
    bridge.batchPublishes(begin.stream);
    config.systemSecret = begin.systemSecret;
    (globals.cbmeta as { system_secret: string }).system_secret = begin.systemSecret;
    run = createRun(bridge, config, begin);
    return run;
  };

  const identity = (): Identity => {
    const r = begun();
    return { email: r?.req.userEmail ?? '', authToken: r?.req.userToken ?? '', user_id: r?.req.userid ?? '' };
  };

  const newUUID = (): string => {
    begun();
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
  const clearBlade = createClearBlade(bridge, config, messaging, identity, log);
  const module = { exports: {} as Record<string, unknown> };
  const globals: Globals = {
    ClearBlade: clearBlade,
    log,
    console,
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
      system_secret: config.systemSecret,
      code_versions: { [config.serviceName]: config.version },
    },
  };
  for (const name of Object.keys(globals)) {
    defineProperty(g, name, { value: globals[name], writable: true, configurable: true, enumerable: false });
  }
  // Wasm memory is not counted by the isolate's limit: gone unless the service enabled it, bounded if so.
  installWasm(g, config.wasmMemoryMb, () => {
    bridge.call(CALL_OPS.limit, 'wasm', config.wasmMemoryMb);
    throw new RangeError(`WebAssembly memory over the limit of ${config.wasmMemoryMb} MB`);
  });

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
  if (ref !== undefined && typeof configJson === 'string') install(g, ref as HostReference, configJson);
}
