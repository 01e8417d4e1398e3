// The code area as one platform component: libraries, the registry with its versions, logs, the
// engine's Host, the engine itself, the one invoke door (`invokeService`) and the REST routes.
import type { Engine, Host } from '../../engine/types.js';
import type { Component, ComponentBase } from '../kernel/component.js';
import type { Identity } from '../identity/types.js';
import { createHost, type HostBroker, type OpLookup } from './host.js';
import { createInvoker, type InvokeService, type InvokeServiceBatch } from './invoke.js';
import { createLibraries, type Libraries } from './libraries.js';
import { createCodeLogs, type CodeLogs } from './logs.js';
import { createRunRecorder, type RunRecorder } from './run-record.js';
import { createRunTail, type RunTail } from './run-tail.js';
import { createRegistry, type Registry } from './registry.js';
import { createRunAs } from './run-as.js';
import { createStreams, type Streams } from './streams.js';
import type { CodeRouteDeps } from './routes/common.js';
import type { RegistryChange } from './types.js';
import { adminRoutes } from './routes/admin.js';
import { editorRoutes } from './routes/editor.js';
import { executeRoutes } from './routes/execute.js';
import { libraryRoutes } from './routes/libraries.js';
import { logRoutes } from './routes/logs.js';
import { runRoutes } from './routes/runs.js';
import { logStreamRoutes } from './routes/log-stream.js';
import { runningRoutes } from './routes/running.js';
import { userRoutes } from './routes/user.js';

export interface CodeDeps {
  readonly identity: Identity;
  readonly broker: HostBroker;
  /** Builds the engine around our Host (engine/ `createEngine`); the engine never sees the platform. */
  readonly createEngine: (host: Host) => Promise<Engine> | Engine;
  /**
   * The bridge-op handlers the areas contribute through the component contract; the composition root
   * gathers them (services/kernel/bridge-ops.ts) once every area exists, before any service runs.
   */
  readonly ops?: OpLookup;
}

export interface CodeComponent extends Component {
  readonly registry: Registry;
  readonly libraries: Libraries;
  readonly logs: CodeLogs;
  /** Every ended run of a service, told to whoever watches it (the SSE log stream). */
  readonly tail: RunTail;
  readonly recorder: RunRecorder;
  readonly host: Host;
  readonly engine: Engine;
  readonly streams: Streams;
  /** The one door into user code: REST, triggers, timers and `ClearBlade.Code().execute` all use it. */
  readonly invokeService: InvokeService;
  /** The same door for a batch of events of one service (triggers): one crossing into a warm context. */
  readonly invokeServiceBatch: InvokeServiceBatch;
  /** Called after a service is deleted (triggers drop the triggers and timers that ran it). */
  onServiceDeleted(listener: ServiceListener): () => void;
  /** Called after a new version of a service is current (edges redeploy it where it is deployed). */
  onServiceSaved(listener: ServiceListener): () => void;
  /** True when the service exists (triggers and timers validate their `service_name`). */
  /**
   * True when the system has a service of that name. In a cluster a service another node just created may
   * not have reached this node's memory yet (the change feed's bound): a miss asks the store.
   */
  serviceExists(systemKey: string, name: string): boolean | Promise<boolean>;
  /**
   * Cluster change feed: another node changed this system's services. Re-reads them from the store and
   * lets this node's streams follow (start, restart with the new version, stop); resolves once they have.
   */
  reloadSystem(systemKey: string): Promise<void>;
}

/** The cluster channel on which a node tells the others an identity's streams must stop (it was deleted). */
export const IDENTITY_GONE_CHANNEL = 'code.identity-gone';

/** Told the system and name of a service that changed. */
export type ServiceListener = (systemKey: string, name: string) => Promise<void> | void;

/** Builds the code component: loads libraries and services into memory and creates the engine. */
export async function createCodeComponent(base: ComponentBase, deps: CodeDeps): Promise<CodeComponent> {
  const { store, clock, config } = base;
  const log = base.log.child({ area: 'code' });
  const { identity } = deps;
  const listeners = { saved: new Set<ServiceListener>(), deleted: new Set<ServiceListener>() };
  const listen = (kind: keyof typeof listeners, listener: ServiceListener) => {
    listeners[kind].add(listener);
    return () => listeners[kind].delete(listener);
  };
  const libraries = createLibraries({ store, clock });
  const logs = createCodeLogs({ store, clock, log });
  const tail = createRunTail((err) => log.error('run tail listener failed', { err: String(err) }));
  const recorder = createRunRecorder({ logs, tail, clock });
  const runAs = createRunAs({ identity, clock });
  // The host and the invoke door refer to each other through the engine; the arrows below run only
  // after everything here exists.
  const host = createHost({
    broker: deps.broker,
    log,
    invoke: (...args) => invoker.invoke(...args),
    ops: deps.ops,
    withinBounds: (who, topic, action) =>
      runAs.boundsOf(who).every((bound) => identity.topicAllowed(bound, bound.systemKey, topic, action)),
    onLog(ctx, line) {
      if (ctx.service.executionTimeout !== -1) return;
      const current = registry.find(ctx.service.systemKey, ctx.service.name);
      if (current === undefined || !current.record.logging_enabled) return;
      logs.append(
        {
          systemKey: ctx.service.systemKey,
          name: ctx.service.name,
          version: ctx.service.version,
          instanceId: ctx.instanceId,
          startedAt: line.time,
          ttlMinutes: current.record.log_ttl_minutes,
        },
        line,
      );
    },
  });
  const engine = await deps.createEngine(host);
  const registry = createRegistry({
    store,
    clock,
    libraries,
    userExists: (systemKey, userId) => identity.userById(systemKey, userId) !== undefined,
    prepare: (record, bundle) => engine.prepare(invoker.versionOf({ record, bundle })),
    onChange: (change) => onRegistryChange(change),
  });
  const invoker = createInvoker({
    registry,
    engine: () => engine,
    identity,
    runAs,
    recorder,
    clock,
    memoryLimitMb: config.engine.memoryLimitMb,
    hopLimit: config.engine.hopLimit,
  });
  const streams = createStreams({
    engine: () => engine,
    registry,
    invoker,
    recorder,
    log,
    cluster: base.cluster,
  });
  /** Streams follow every change; a deletion also drops logs; then the listeners (triggers, edges) hear of it. */
  async function onRegistryChange(change: RegistryChange): Promise<void> {
    await streams.onChange(change);
    const [systemKey, name] =
      change.kind === 'saved'
        ? [change.service.system_key, change.service.name]
        : [change.systemKey, change.name];
    if (change.kind === 'deleted') await logs.forget(systemKey, name);
    for (const listener of listeners[change.kind]) {
      try {
        await listener(systemKey, name);
      } catch (err) {
        log.error(`service-${change.kind} listener failed`, { name, err: String(err) });
      }
    }
  }
  try {
    await libraries.load();
    await registry.load();
  } catch (err) {
    await engine.close();
    throw err;
  }
  /**
   * Losing access ends access: streams running as a deleted user or device stop (DESIGN.md "Security
   * model"), on every node: the deletion's event fires only where it was made, so that node tells the others.
   */
  const identityGone = (systemKey: string, kind: 'user' | 'device', id: string, tellOthers: boolean) => {
    runAs.forget(systemKey, kind, id);
    streams.stopRunningAs(systemKey, kind, id).catch((err: unknown) => {
      log.error('stopping streams of a deleted identity failed', { systemKey, kind, id, err: String(err) });
    });
    if (tellOthers && base.cluster.enabled) {
      base.cluster.announce(IDENTITY_GONE_CHANNEL, { systemKey, kind, id }).catch((err: unknown) => {
        log.error('deleted identity not announced to the other nodes', {
          systemKey,
          kind,
          id,
          err: String(err),
        });
      });
    }
  };
  const unlisten = [
    streams.watchExits(),
    base.events.on('user.deleted', (e) => identityGone(e.systemKey, 'user', e.user.user_id, true)),
    base.events.on('device.deleted', (e) => identityGone(e.systemKey, 'device', e.device.name, true)),
    base.cluster.listen(IDENTITY_GONE_CHANNEL, (message) => {
      const m = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
      const { systemKey, kind, id } = m;
      if (typeof systemKey !== 'string' || typeof id !== 'string') return;
      if (kind === 'user' || kind === 'device') identityGone(systemKey, kind, id, false);
    }),
  ];

  const routeDeps: CodeRouteDeps = {
    identity,
    registry,
    libraries,
    logs,
    tail,
    invoke: invoker.invoke,
    streams,
  };
  let closing: Promise<void> | undefined;

  return {
    name: 'code',
    routes: [
      adminRoutes,
      executeRoutes,
      userRoutes,
      libraryRoutes,
      logRoutes,
      runRoutes,
      logStreamRoutes,
      runningRoutes,
      editorRoutes,
    ].map((r) => r(routeDeps)),
    registry,
    libraries,
    logs,
    tail,
    recorder,
    host,
    engine,
    streams,
    invokeService: invoker.invoke,
    invokeServiceBatch: invoker.invokeBatch,
    onServiceDeleted: (listener) => listen('deleted', listener),
    onServiceSaved: (listener) => listen('saved', listener),
    serviceExists: (systemKey, name) =>
      registry.find(systemKey, name) !== undefined ||
      (base.cluster.enabled && registry.isStored(systemKey, name)),
    async reloadSystem(systemKey) {
      for (const change of await registry.reload(systemKey)) await streams.onChange(change);
    },
    async start() {
      logs.start();
      // Following first: a node that joins or dies while the streams start is placed right after.
      unlisten.push(streams.followCluster());
      await streams.startAll();
    },
    close() {
      closing ??= (async () => {
        for (const off of unlisten) off();
        await engine.close();
        await logs.close();
      })();
      return closing;
    },
  };
}
