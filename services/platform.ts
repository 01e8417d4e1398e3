import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/load.js';
import type { Log } from './kernel/log.js';
import { systemClock, type Clock } from './kernel/clock.js';
import { createStore, type Store } from './store/index.js';
import { createHttpApp } from './rest/server.js';
import { createPlatformEvents, type PlatformEvents } from './kernel/events.js';
import type { Component, ComponentBase, Ports } from './kernel/component.js';
import { singleNode, type Cluster } from './kernel/cluster.js';
import { createRedisCluster } from './cluster/redis.js';
import { createChangeFeed, localFeed, type ChangeFeed } from './cluster/feed.js';
import { engineHealth } from './cluster/health.js';
import { collectBridgeOps, type BridgeOpTable } from './kernel/bridge-ops.js';
import { createIdentity } from './identity/index.js';
import { identityRoutes } from './identity/routes/index.js';
import type { Identity } from './identity/types.js';
import { createRestAuth } from './rest/auth.js';
import { firstStart } from './first-start.js';
import { createHistory, type HistoryComponent } from './history/component.js';
import { createCollections, type CollectionsComponent } from './collections/component.js';
import { createAutomationComponent, type AutomationComponent } from './automation/component.js';
import type { Broker } from '../broker/types.js';
import { createEngine } from '../engine/index.js';
import { createCodeComponent, type CodeComponent } from './code/component.js';
import { createMessaging } from './messaging/component.js';
import { createEdgesComponent, edgeEngineOption, type EdgesComponent } from './edges/component.js';
import { withEdgeAuth } from './edges/broker-auth.js';
import { loadEdgeRegistry } from './edges/registry.js';
import { createCacheComponent, type CacheComponent } from './cache/component.js';
import { createOutboundHttpComponent, type OutboundHttpComponent } from './outbound-http/component.js';
import { createMetrics, createRunMetrics } from './metrics/component.js';
import { createConsoleComponent } from './console/component.js';

export type { Ports } from './kernel/component.js';

export interface PlatformDeps {
  readonly log: Log;
  readonly clock?: Clock;
  /** Tests set this: no first-start banner on stdout. */
  readonly quiet?: boolean;
  /** Where the first-start banner goes (default: process.stdout). */
  readonly out?: NodeJS.WritableStream;
}

/** The whole process: store, identity, broker, engine, triggers, REST — wired together here and only here. */
export interface Platform {
  readonly config: Config;
  readonly store: Store;
  readonly events: PlatformEvents;
  readonly http: FastifyInstance;
  /** Developers, systems, users, devices, roles and tokens (hot-path checks answer from memory). */
  readonly identity: Identity;
  /** The embedded MQTT broker: internal publish/subscribe, events, hasSubscribers. */
  readonly broker: Broker;
  /** Code registry, engine and the one invoke door (`code.invokeService`). */
  readonly code: CodeComponent;
  /** Message history: capture, reads, retention, the `history.*` bridge ops. */
  readonly history: HistoryComponent;
  /** Collections: catalogue, items, the `collection.*` bridge ops. */
  readonly collections: CollectionsComponent;
  /** Edges: the registry, relay and deployments (platform), or the link to the platform (edge mode). */
  readonly edges: EdgesComponent;
  /** Automation: triggers, timers and their `$trigger`/`$timer` event topics (registries, dispatcher, scheduler). */
  readonly automation: AutomationComponent;
  /** Shared caches: definitions, per-node entries, the `cache.*` bridge ops. */
  readonly cache: CacheComponent;
  /** Outbound HTTP from services: allow-lists and the `http.request` bridge op. */
  readonly outboundHttp: OutboundHttpComponent;
  /** The other nodes (services/kernel/cluster.ts): `singleNode` unless cluster mode. */
  readonly cluster: Cluster;
  /** Changes made here told to the other nodes, theirs reloaded here (services/cluster/feed.ts). */
  readonly feed: ChangeFeed;
  /** Listens on every enabled port and runs start-up work; returns the actual ports. */
  start(): Promise<Ports>;
  /** Stops accepting, finishes in-flight work, flushes and closes; idempotent. */
  close(): Promise<void>;
}

/** Composition root: builds every component from the config; nothing listens until `start()`. */
export async function createPlatform(config: Config, deps: PlatformDeps): Promise<Platform> {
  const clock = deps.clock ?? systemClock;
  const nodeId = config.cluster.nodeId;
  // Cluster mode: every log line names its node.
  const log = config.cluster.enabled ? deps.log.child({ node: nodeId }) : deps.log;
  const store = await createStore({ dataDir: config.dataDir, databaseUrl: config.store.databaseUrl });
  const events = createPlatformEvents((name, err) =>
    log.error('event listener failed', { event: name, err: String(err) }),
  );
  // Cluster mode: the other nodes through Redis (services/cluster), and the change feed that makes a
  // change committed here reach their memory; its counters are read before any area loads its view.
  let cluster: Cluster = singleNode(nodeId);
  let feed: ChangeFeed = localFeed();
  if (config.cluster.enabled) {
    try {
      const redis = await createRedisCluster(
        { redisUrl: config.cluster.redisUrl ?? '', nodeId, heartbeatS: config.cluster.heartbeatS },
        { log, clock },
      );
      cluster = redis;
      feed = createChangeFeed(redis, { log: log.child({ area: 'cluster' }) });
      await feed.prime();
    } catch (err) {
      await cluster.close();
      await store.close();
      throw err;
    }
  }
  const clustered = config.cluster.enabled;
  const base: ComponentBase = { config, log, clock, store, events, cluster };
  const components: Component[] = [];
  // The bridge ops every area contributes (Component.ops), gathered once all areas exist; no service
  // runs before start(), so the code host never looks an op up before the table is complete.
  let bridgeOps: BridgeOpTable = new Map();
  void base;

  // Each area adds itself below, in dependency order (later ones may use earlier ones).
  // --- identity (DESIGN.md "Identity and tenancy") ---
  const identity = await createIdentity({
    store,
    clock,
    log: log.child({ area: 'identity' }),
    events,
    config: config.identity,
    changes: clustered
      ? { changed: (systemKey) => feed.changed(systemKey, ['identity']), revoked: (h) => feed.revoked(h) }
      : undefined,
  });
  const restAuth = createRestAuth(identity);
  components.push({
    name: 'identity',
    routes: [identityRoutes({ identity })],
    async start() {
      const address = http.server.address();
      const httpPort = address !== null && typeof address === 'object' ? address.port : null;
      const out = deps.quiet === true ? undefined : (deps.out ?? process.stdout);
      await firstStart({ identity, config, log, out }, { http: httpPort });
    },
    close: () => identity.close(),
  });
  // --- messaging: broker (DESIGN.md "MQTT surface") ---
  // Edges authenticate on this broker with their edge tokens: the registry loads first.
  const edgeRegistry = await loadEdgeRegistry({ store, clock });
  const messaging = await createMessaging(base, {
    identity,
    wrapAuth: (auth) => withEdgeAuth(auth, edgeRegistry),
  });
  const broker = messaging.broker;
  components.push(messaging);
  // --- code engine and registry (DESIGN.md "Code services") ---
  // Every micro run's outcome and duration is counted where it ends (services/metrics/runs.ts).
  const runs = createRunMetrics();
  const createObservedEngine: typeof createEngine = async (options, engineDeps) => {
    const engine = await createEngine(options, engineDeps);
    return config.metrics.enabled ? runs.observe(engine) : engine;
  };
  const code = await createCodeComponent(base, {
    identity,
    broker,
    ops: (op) => bridgeOps.get(op),
    createEngine: (host) =>
      createObservedEngine(
        {
          defaults: { memoryLimitMb: config.engine.memoryLimitMb, executionTimeoutS: 60 },
          limits: {
            maxResultBytes: config.engine.maxResultBytes,
            maxResultDepth: config.engine.maxResultDepth,
          },
          // Run slots shared fairly across systems (DESIGN.md "Code services", Limits).
          maxIsolates: config.engine.maxIsolates,
          maxRunsPerSystem: config.engine.maxRunsPerSystem,
          maxRunsPerService: config.engine.maxRunsPerService,
          maxQueuedPerSystem: config.engine.maxQueuedPerSystem,
          warm: { maxRuns: config.engine.warmMaxRuns, idleMs: config.engine.warmIdleS * 1000 },
          // ClearBlade.isEdge()/edgeId()/cbmeta (reference §9)
          edge: edgeEngineOption(config),
        },
        { host, log: log.child({ area: 'engine' }), clock },
      ),
  });
  components.push(code);
  // --- message history (reference §7.1) ---
  const history = await createHistory(
    { maxPageBytes: config.history.maxPageBytes },
    { ...base, access: identity, broker },
  );
  components.push(history);
  // --- collections (reference §11.1 item 7, Appendix A) ---
  const collections = await createCollections({ ...base, identity });
  components.push(collections);
  // --- shared caches (reference §3.7) and outbound HTTP from services (reference §10.1) ---
  const cache = await createCacheComponent(base, { access: identity });
  components.push(cache);
  const outboundHttp = await createOutboundHttpComponent(base);
  components.push(outboundHttp);
  // --- automation: triggers, event topics, timers (DESIGN.md "Triggers and timers") ---
  const automation = await createAutomationComponent(base, {
    broker,
    identity,
    invoke: code.invokeService,
    invokeBatch: code.invokeServiceBatch,
    serviceExists: code.serviceExists,
  });
  // Deleting a service cascades to the triggers and timers that ran it (logged; see services/automation/README.md).
  code.onServiceDeleted(async (systemKey, name) => {
    await automation.serviceDeleted(systemKey, name);
  });
  components.push(automation);
  // --- edges (reference §9) ---
  const edges = await createEdgesComponent(base, {
    broker,
    registry: edgeRegistry,
    reloadIdentity: (systemKey) => identity.reloadSystem(systemKey),
    assets: {
      services: code.registry,
      libraries: code.libraries,
      triggers: automation.triggers,
      timers: automation.timers,
    },
  });
  // A deployed service follows its edits: every edge it is deployed to gets a fresh manifest.
  code.onServiceSaved((systemKey, name) => edges.deployments.assetChanged(systemKey, 'service', name));
  components.push(edges);
  // --- the change feed (services/cluster/README.md): what another node changed, reloaded here ---
  if (clustered) {
    feed.area('identity', (systemKey) => identity.reloadFromStore(systemKey));
    feed.sync('code', {
      onChanged(fn) {
        code.onServiceSaved(fn);
        code.onServiceDeleted(fn);
        code.libraries.onChanged(fn);
        code.registry.onSwitched(fn);
      },
      async reload(systemKey) {
        // Libraries first: a service version re-bundled by the reload resolves against the new ones.
        await code.libraries.reload(systemKey);
        await code.reloadSystem(systemKey);
      },
    });
    // Stored definitions other areas keep in memory (services/cluster/README.md "Synced areas").
    feed.sync('history', history.settings);
    feed.sync('collections', {
      onChanged: (fn) => collections.api.onChanged(fn),
      reload: (systemKey) => collections.api.reloadSystem(systemKey),
    });
    feed.sync('cache', cache.caches);
    feed.sync('outbound-http', outboundHttp.allowlists);
    feed.sync('automation', {
      onChanged: (fn) => automation.onChanged(fn),
      reload: (systemKey) => automation.reloadSystem(systemKey),
    });
    // Losing access ends access on every node: connections and subscriptions re-checked after a reload.
    feed.afterReload((systemKey) => {
      if (systemKey !== '*') broker.recheckAccess(systemKey);
    });
    feed.onRevoked((hashes) => identity.dropTokens(hashes));
    feed.start(() => identity.systemKeys());
  }
  // --- metrics, the console overview and $SYS topics (services/metrics/README.md) ---
  components.push(
    createMetrics(config.metrics, base, {
      sources: {
        broker,
        engine: () => code.engine,
        triggers: () => automation.dispatcher.stats(),
        history: () => history.capture.stats(),
        runs,
      },
      systemsOf: (developerId) => identity.systemsOf(developerId).map((s) => s.systemKey),
      on: (event, listener) => broker.on(event, listener),
    }),
  );
  // --- the web console at / (console/README.md); it dials MQTT over WebSocket on the listening port ---
  let listening: Ports | undefined;
  components.push(createConsoleComponent({ log: log.child({ area: 'console' }), ports: () => listening }));
  bridgeOps = collectBridgeOps(components);

  let ready = false;
  const routes = components.flatMap((c) => c.routes ?? []);
  const http = await createHttpApp({
    bodyLimit: config.http.bodyLimit,
    log,
    routes,
    auth: restAuth,
    healthy: () => ready,
    engines: engineHealth({ cluster, store, clock }),
    throttled: { clock, holdMs: config.identity.loginTarpitMs, max: 1024 },
  });
  let closing: Promise<void> | undefined;

  return {
    config,
    store,
    events,
    http,
    identity,
    broker,
    code,
    history,
    collections,
    edges,
    automation,
    cache,
    outboundHttp,
    cluster,
    feed,
    async start() {
      const ports: Ports = {
        http: null,
        mqtt: null,
        mqtts: null,
        ws: null,
        wss: null,
        auth: null,
        authTls: null,
        authWs: null,
        authWss: null,
      };
      if (config.http.port >= 0) {
        await http.listen({ host: config.host, port: config.http.port });
        ports.http = (http.server.address() as AddressInfo).port;
      }
      for (const c of components) Object.assign(ports, (await c.start?.()) ?? {});
      listening = ports;
      ready = true;
      return ports;
    },
    close() {
      closing ??= (async () => {
        ready = false;
        await http.close();
        for (const c of [...components].reverse()) {
          try {
            await c.close?.();
          } catch (err) {
            log.error('component close failed', { component: c.name, err: String(err) });
          }
        }
        feed.close();
        await store.close();
        // Last: the other nodes see this one leave only once it has stopped serving.
        await cluster.close();
      })();
      return closing;
    },
  };
}
