// The edges component (slot "edges" in services/platform.ts). On a platform: the edge registry and its
// REST routes, the downlink (relay, connection state, reports) and deployments. In edge mode
// (`config.edge.name` set): the link to the platform (relay up and down, on-disk outbox, reconnect with
// backoff), identity snapshots and deployment manifests applied locally. Both emit the
// StartConnectDisconnect platform events.
import { EventEmitter } from 'node:events';
import type { Broker } from '../../broker/types.js';
import type { Component, ComponentBase } from '../kernel/component.js';
import { createAssetAdapters, type AssetRegistries } from './assets.js';
import { createDeployApplier, createDeployments, type ApplyResult, type Deployments } from './deploy.js';
import { createDownlink, type Downlink } from './downlink.js';
import { createEdgeLink, type EdgeLink } from './edge-link.js';
import { applyIdentitySnapshot, isIdentitySnapshot, readIdentitySnapshot } from './identity-sync.js';
import { createSyncNotifier } from './notifications.js';
import { createEdgeRegistry, type EdgeRegistry } from './registry.js';
import { edgeRoutes } from './routes.js';
import { OPS } from './channel.js';

export interface EdgesDeps {
  readonly broker: Pick<Broker, 'publish' | 'on'>;
  /** Registries deployments read (platform) and write (edge). */
  readonly assets: AssetRegistries;
  /** The registry, when the broker slot made it first (it authenticates edges: see broker-auth.ts). */
  readonly registry?: EdgeRegistry;
  /** Edge mode: rebuilds identity's memory view after a snapshot was written to the store. */
  readonly reloadIdentity?: (systemKey: string) => Promise<void>;
  /** Delay that gathers a burst of identity changes into one snapshot per system, ms (default 200). */
  readonly identityDebounceMs?: number;
}

/** What the edges component reports beyond the platform events (what a caller or test waits for). */
export interface EdgesEvents {
  /** Edge mode: an identity snapshot of `systemKey` from the platform is in the store and identity's view. */
  identityApplied: [systemKey: string];
}

export interface EdgesComponent extends Component {
  readonly registry: EdgeRegistry;
  readonly deployments: Deployments;
  /** Edge mode only: the link to the platform. */
  readonly link: EdgeLink | undefined;
  readonly events: EventEmitter<EdgesEvents>;
}

/** Maps `--platform` to the broker URL: MQTT and WebSocket URLs as given; http(s) to the default MQTT ports. */
export function brokerUrlOf(platformUrl: string): string {
  const url = new URL(platformUrl);
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    const tls = url.protocol === 'https:';
    return `${tls ? 'mqtts' : 'mqtt'}://${url.hostname}:${tls ? '1884' : '1883'}`;
  }
  return platformUrl;
}

/** The engine's `edge` option (`ClearBlade.isEdge()`, `edgeId()`, `cbmeta`) from the configuration. */
export function edgeEngineOption(config: ComponentBase['config']): {
  isEdge: boolean;
  edgeId: string;
  platformUrl: string;
} {
  const name = config.edge.name;
  return { isEdge: name !== undefined, edgeId: name ?? '', platformUrl: config.edge.platformUrl ?? '' };
}

/** Builds the component; the registry loads here, nothing connects or listens until `start()`. */
export async function createEdgesComponent(base: ComponentBase, deps: EdgesDeps): Promise<EdgesComponent> {
  const { config, clock, store, events } = base;
  const log = base.log.child({ component: 'edges' });
  const registry = deps.registry ?? createEdgeRegistry({ store, clock });
  if (deps.registry === undefined) await registry.load();
  const adapters = createAssetAdapters(deps.assets);
  const notifier = createSyncNotifier((sk, topic, payload) =>
    deps.broker.publish(sk, topic, payload, { qos: 1 }),
  );
  const fail = (what: string) => (err: unknown) => log.error(what, { err: String(err) });
  const own = new EventEmitter<EdgesEvents>();

  let downlink: Downlink | undefined;
  const deployments = createDeployments({
    store,
    clock,
    log,
    registry,
    adapters,
    notifier,
    send: (sk, edge, op, body) => downlink?.control(sk, edge, op, body) ?? Promise.resolve(),
  });

  const edge = config.edge;
  const edgeMode = edge.name !== undefined;
  const offs: Array<() => void> = [];
  let link: EdgeLink | undefined;

  if (
    edgeMode &&
    edge.platformUrl !== undefined &&
    edge.systemKey !== undefined &&
    edge.token !== undefined
  ) {
    const self = edge.name ?? '';
    const systemKey = edge.systemKey;
    const applier = createDeployApplier({
      store,
      clock,
      log,
      systemKey,
      edgeName: self,
      adapters,
      report: (result: ApplyResult) => {
        if (!link?.report(OPS.result, result))
          log.warn('deployment result not reported: platform unreachable', {});
      },
    });
    link = createEdgeLink(
      { url: brokerUrlOf(edge.platformUrl), systemKey, edgeName: self, token: edge.token },
      {
        broker: deps.broker,
        store,
        clock,
        log,
        onControl(op, body) {
          if (op === OPS.deploy) {
            applier.apply(body).catch(fail('deployment failed'));
          } else if (
            op === OPS.identity &&
            isIdentitySnapshot(body) &&
            body.system.system_key === systemKey
          ) {
            applyIdentitySnapshot(store, body)
              .then(() => deps.reloadIdentity?.(systemKey))
              .then(() => own.emit('identityApplied', systemKey))
              .catch(fail('identity snapshot not applied'));
          }
        },
        onState(connected) {
          events.emit(connected ? 'edge.platformConnected' : 'edge.platformDisconnected', {
            systemKey,
            edge: self,
          });
        },
      },
    );
  } else {
    const pushIdentity = async (sk: string, only?: string) => {
      const snapshot = await readIdentitySnapshot(store, sk);
      if (snapshot === undefined || downlink === undefined) return;
      for (const name of only === undefined ? registry.names(sk) : [only]) {
        await downlink.control(sk, name, OPS.identity, snapshot);
      }
    };
    const pending = new Map<string, () => void>();
    const identityChanged = (e: { systemKey: string }) => {
      if (registry.names(e.systemKey).length === 0 || pending.has(e.systemKey)) return;
      pending.set(
        e.systemKey,
        clock.setTimer(deps.identityDebounceMs ?? 200, () => {
          pending.delete(e.systemKey);
          pushIdentity(e.systemKey).catch(fail('identity snapshot not sent'));
        }),
      );
    };
    for (const name of [
      'user.created',
      'user.updated',
      'user.deleted',
      'device.created',
      'device.updated',
      'device.deleted',
      'roles.changed',
    ] as const) {
      offs.push(events.on(name, identityChanged));
    }
    offs.push(() => {
      for (const cancel of pending.values()) cancel();
      pending.clear();
    });
    downlink = createDownlink({
      broker: deps.broker,
      registry,
      notifier,
      log,
      onEdgeState(sk, name, connected) {
        events.emit(connected ? 'edge.connected' : 'edge.disconnected', { systemKey: sk, edge: name });
        if (!connected) return;
        pushIdentity(sk, name).catch(fail('identity snapshot not sent'));
        deployments.push(sk, name).catch(fail('deployment manifest not sent'));
      },
      onReport(sk, name, op, body) {
        if (op !== OPS.result) return;
        deployments.report(sk, name, body as ApplyResult).catch(fail('sync notification failed'));
      },
    });
  }

  let closing: Promise<void> | undefined;
  return {
    name: 'edges',
    routes: edgeMode ? [] : [edgeRoutes({ registry, deployments })],
    registry,
    deployments,
    link,
    events: own,
    start() {
      downlink?.start();
      if (link !== undefined && edge.systemKey !== undefined && edge.name !== undefined) {
        link.start();
        events.emit('edge.started', { systemKey: edge.systemKey, edge: edge.name });
      }
      return Promise.resolve();
    },
    close() {
      closing ??= (async () => {
        for (const off of offs.splice(0)) off();
        await link?.close();
        await downlink?.close();
      })();
      return closing;
    },
  };
}
