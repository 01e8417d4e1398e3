// The prelude: loaded into every fresh context before the service. It defines `__isobarInstall`, which the
// engine calls once with the host reference; everything user code can touch is built here, and the
// reference stays inside these closures.

import { CALL_OPS, type BeginRequest, type InstallConfig } from '../sandbox-protocol.js';
import { createBridge, type HostReference } from './bridge.js';
import { createClearBlade, type Identity } from './clearblade.js';
import { createLoggers } from './log.js';
import { createMessagingFactory } from './messaging.js';
import { createRun, type Run } from './run.js';

type Globals = Record<string, unknown>;

const parse = JSON.parse;
const defineProperty = Object.defineProperty;

/** Installs the runtime API; returns `begin`, which the engine calls once per run with the request. */
function install(ref: HostReference, configJson: string): (beginJson: string) => void {
  const g = globalThis as unknown as Globals;
  delete g.__isobarInstall;
  const config = parse(configJson) as InstallConfig;
  const bridge = createBridge(ref);
  const { log, console } = createLoggers(bridge, config.maxLogLineChars);
  let run: Run | undefined;
  let random = '';

  const identity = (): Identity => ({
    email: run?.req.userEmail ?? '',
    authToken: run?.req.userToken ?? '',
    user_id: run?.req.userid ?? '',
  });

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

  defineProperty(g, '__isobarMain', {
    configurable: true,
    writable: true,
    value: (entry: unknown) => {
      delete g.__isobarMain;
      if (run === undefined) throw new Error('run not begun');
      const mod = g.module as { exports?: unknown } | null | undefined;
      return run.main(entryPoint(entry, typeof mod === 'object' && mod !== null ? mod.exports : undefined));
    },
  });

  return (beginJson: string) => {
    const begin = parse(beginJson) as BeginRequest;
    random = begin.random;
    bridge.batchPublishes(begin.stream);
    config.systemSecret = begin.systemSecret;
    (globals.cbmeta as { system_secret: string }).system_secret = begin.systemSecret;
    run = createRun(bridge, config, begin);
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

(globalThis as unknown as Globals).__isobarInstall = install;
