// createBroker: the embedded MQTT 3.1.1 broker (aedes 1.x) with token auth, per-system topic spaces,
// role ACL, durable sessions, shared subscriptions, auth over MQTT, limits and events. See README.md.
import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesPublishPacket } from 'aedes';
import { IsobarError } from '../runtime-api/errors/index.js';
import { filterProblem, parseShared, publishTopicProblem } from '../runtime-api/topics.js';
import { createLiveAccess } from './access.js';
import { createAcl } from './acl.js';
import { createAuthOverMqtt } from './auth-over-mqtt.js';
import { createConnectGate, refuse } from './auth.js';
import { openClusterNode } from './cluster-node.js';
import { openClusterShare } from './cluster-share.js';
import { createClientIds, type Session } from './client-ids.js';
import { wrapDelivery } from './delivery.js';
import { createBrokerEvents } from './events.js';
import { createHooks } from './hooks.js';
import { wireInbound } from './inbound.js';
import { brokerInternals, internals } from './internal.js';
import { createAdmissionLimits, preAuthLimits } from './limits.js';
import { authenticated, openListeners } from './listeners.js';
import { createMessageEmitter } from './mq.js';
import { openPersistence } from './persistence.js';
import { createSharedSubscriptions, type ClientMember } from './shared-subscriptions.js';
import { publishWills, toMessage } from './messages.js';
import { fromInternal, parsePlaceholder, toInternal } from './tenancy.js';
import {
  countClientTraffic,
  retainedCounts,
  subscriberCount,
  subscriptionCounts,
  TrafficCounters,
} from './traffic.js';
import type {
  AckGate,
  Broker,
  BrokerMessage,
  BrokerDeps,
  BrokerOptions,
  ClientIdentity,
  InternalHandler,
  ListeningPorts,
  PublishOptions,
} from './types.js';

export type * from './types.js';

/** Seconds from accepting a connection to its complete CONNECT when the options name none. */
const DEFAULT_CONNECT_TIMEOUT_S = 10;

/** aedes' default number of messages in delivery at once (mqemitter concurrency). */
const DELIVERY_CONCURRENCY = 100;

/** Builds the broker (persistence opened, nothing listening) — call `listen()` to open the ports. */
export async function createBroker(options: BrokerOptions, deps: BrokerDeps): Promise<Broker> {
  const { log, clock, auth } = deps;
  const limits = options.limits;
  // cluster mode: emitter and persistence on the shared Redis, client ids settled cluster-wide (cluster-node.ts)
  const cluster =
    options.cluster === undefined
      ? undefined
      : await openClusterNode(options.cluster, { clock, log, concurrency: DELIVERY_CONCURRENCY });
  const persistence = cluster?.persistence ?? (await openPersistence(options.dataDir));
  const events = createBrokerEvents(log);
  const acl = createAcl({ auth, log, events });
  const access = createLiveAccess({ auth, acl, log, clock, persistence });
  const clientIds = createClientIds();
  const admission = createAdmissionLimits(limits, clock);
  const sessions = new WeakMap<Duplex, Session>();
  const members = new WeakMap<Duplex, ClientMember>();
  const connectTimeoutMs = (options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_S) * 1000;
  let limitBreaches = 0;
  let droppedDeliveries = 0;
  const traffic = options.traffic === false ? undefined : new TrafficCounters();
  const onBreach = () => {
    limitBreaches++;
  };
  const onDrop = () => {
    droppedDeliveries++;
  };

  let ackGate: AckGate | undefined;
  // the hooks run only once clients connect, after `shared` below exists
  const hooks = createHooks({
    acl,
    log,
    expired: (session) => access.expired(session),
    get shared() {
      return shared;
    },
    session: (client) => internals(client).isobarSession,
    member: (client) => members.get(internals(client).conn),
    beforeAck(packet, session) {
      // in a cluster the message is in its groups' streams before the publisher has its PUBACK
      const routed = clusterShare?.route(packet, session.identity);
      const message = ackGate === undefined ? undefined : toMessage(packet, session, clock);
      const gated = message === undefined ? undefined : ackGate?.(message);
      if (routed === undefined || gated === undefined) return routed ?? gated;
      return Promise.all([routed, gated]).then(() => {});
    },
  });
  const aedes = new Aedes({
    persistence,
    ...hooks,
    maxClientsIdLength: 65535,
    maxTopicLevels: Math.min(limits.maxTopicLevels + 1, 100),
    maxInflightInbound: limits.maxInflight,
    connectTimeout: connectTimeoutMs,
    concurrency: DELIVERY_CONCURRENCY,
    mq: cluster?.mq ?? createMessageEmitter({ concurrency: DELIVERY_CONCURRENCY }), // no recursive drain (mq.ts)
    ...cluster?.aedesOptions,
  });
  cluster?.prepare(aedes);
  await aedes.listen();
  const broker = brokerInternals(aedes);
  // cluster mode: `$share` groups are work queues on Redis Streams (cluster-share.ts), not aedes subscriptions
  const clusterShare =
    cluster === undefined || options.cluster === undefined
      ? undefined
      : await openClusterShare(options.cluster, { persistence, log, clock, redis: cluster.redis });
  const shared = clusterShare ?? createSharedSubscriptions({ aedes, persistence, log });
  await publishWills(aedes, persistence, log, cluster !== undefined);

  aedes.on('connackSent', (connack, client) => {
    if (connack.returnCode !== 0) return;
    const session = sessions.get(internals(client).conn);
    if (session === undefined) return;
    session.connected = true;
    if (events.has('connected'))
      events.emit('connected', { identity: session.identity, clientId: session.clientId });
  });
  aedes.on('subscribe', (subs, client) => {
    const session = sessions.get(internals(client).conn);
    if (session === undefined) return;
    const refused = subs.filter((s) => Number(s.qos) === 128).map((s) => s.topic);
    if (refused.length > 0 && !internals(client).clean)
      persistence.removeSubscriptions(client, refused).catch(() => {});
    if (!events.has('subscribed')) return;
    for (const s of subs) {
      if (Number(s.qos) === 128) continue;
      const filter = visibleFilter(s.topic);
      if (filter !== undefined) {
        events.emit('subscribed', {
          identity: session.identity,
          clientId: session.clientId,
          filter,
          qos: s.qos,
        });
      }
    }
  });
  aedes.on('unsubscribe', (topics, client) => {
    const session = sessions.get(internals(client).conn);
    if (session === undefined) return;
    for (const topic of topics) {
      const filter = visibleFilter(topic);
      const share = filter === undefined ? undefined : parseShared(filter);
      if (share !== undefined) void shared.leave(session.systemKey, share.group, share.filter, session);
      if (filter !== undefined && !client.closed && events.has('unsubscribed')) {
        events.emit('unsubscribed', { identity: session.identity, clientId: session.clientId, filter });
      }
    }
  });
  aedes.on('publish', (packet, client) => {
    const from = client === null ? undefined : sessions.get(internals(client).conn);
    clusterShare?.published(packet, from?.identity); // QoS 0, internal publishes, wills
    if (!events.has('published')) return;
    const message = toMessage(packet, from, clock);
    if (message !== undefined) events.emit('published', message);
  });
  // aedes emits 'error' when its will sweep or an offline enqueue fails on the persistence (Redis away in
  // cluster mode: ioredis' MaxRetriesPerRequestError); an 'error' event nobody listens to would end the
  // process. Rate-limited: the sweep fails again every 4 heartbeats while Redis is away.
  let brokerErrors = 0;
  (aedes as unknown as EventEmitter).on('error', (err: Error) => {
    if (brokerErrors++ % 100 === 0)
      log.warn('mqtt broker error (persistence unavailable?)', { err: err.message, count: brokerErrors });
  });
  aedes.on('clientError', (client, err) =>
    log.debug('mqtt client error', { client: client.id, err: err.message }),
  );

  // Until CONNECT is settled a connection lives under the small pre-auth packet bound (DESIGN.md "Security model").
  const gate = createConnectGate(
    { limits: preAuthLimits(limits), connectTimeoutMs },
    {
      auth,
      log,
      clock,
      admission,
      clientIds,
      onAdmit(conn, session, bytes) {
        authenticated(conn); // the listener lifts its pre-auth bounds (WebSocket frame size, deadline)
        if (cluster === undefined) return handOver(conn, session, bytes);
        // the id's owner is settled on Redis first: under `reject` the loser of a race gets CONNACK 2
        cluster.ids.claim(session, auth.duplicateClientId(session.identity)).then(
          (admit) => {
            if (admit) return handOver(conn, session, bytes);
            log.info('mqtt CONNECT refused', {
              address: session.address,
              code: 'CB_ERR_MQTT_CLIENT_ID_REJECTED',
              reason: 'connected on another node',
            });
            refuse(conn, 2, clock);
          },
          (err: unknown) => {
            log.error('mqtt client id registry unavailable', { err: String(err) });
            refuse(conn, 3, clock); // server unavailable
          },
        );
      },
      onClose(session) {
        cluster?.ids.release(session);
        shared.leaveAll(session);
        if (session.connected && events.has('disconnected')) {
          events.emit('disconnected', { identity: session.identity, clientId: session.clientId });
        }
      },
    },
  );
  /** Hands an admitted connection to aedes with the bytes the gate read put back. */
  function handOver(conn: Duplex, session: Session, bytes: Buffer): void {
    if (conn.destroyed) return;
    sessions.set(conn, session);
    conn.unshift(bytes);
    const client = internals(aedes.handle(conn));
    client.isobarSession = session;
    session.close = () => client.close();
    access.track(session, client);
    const counters = traffic?.of(session.systemKey);
    if (counters !== undefined) {
      counters.connections++;
      conn.once('close', () => counters.connections--);
      countClientTraffic(client, counters); // before wrapDelivery: the outbox bounds the counted delivery
    }
    const dropped = counters === undefined ? onDrop : () => (onDrop(), counters.dropped++);
    const originals = wrapDelivery(client, session, { limits, log, clock, onBreach, onDrop: dropped });
    members.set(conn, { session, client, ...originals });
    wireInbound(client, session, { limits, log, shared: shared, onBreach });
  }
  // Auth-over-MQTT connections never authenticate a session: every packet there is pre-auth.
  const authOverMqtt = createAuthOverMqtt(
    {
      limits: preAuthLimits(limits),
      messagingUrl: () => `${options.publicHost}:${String(ports?.mqtt ?? options.ports.tcp)}`,
    },
    { auth, log, clock, admission },
  );

  let ports: ListeningPorts | undefined;
  let closeListeners: (() => Promise<void>) | undefined;
  let closing: Promise<void> | undefined;
  // One packet reaches every internal subscription it matches one after another: its session is looked
  // up and its BrokerMessage built once for all of them, not once per subscriber.
  let lastPacket: AedesPublishPacket | undefined;
  let lastMessage: BrokerMessage | undefined;
  const internalMessage = (packet: AedesPublishPacket): BrokerMessage | undefined => {
    if (packet !== lastPacket) {
      const from = (packet as { clientId?: unknown }).clientId;
      const session = typeof from === 'string' ? clientIds.holder(from) : undefined;
      lastMessage = toMessage(packet, session, clock);
      lastPacket = packet;
    }
    return lastMessage;
  };

  const assertOpen = () => {
    if (closing !== undefined) throw new IsobarError('CB_ERR_MQTT_CLOSED');
  };
  const badTopic = (topic: string, reason: string | undefined) => {
    if (reason !== undefined) throw new IsobarError('CB_ERR_MQTT_BAD_TOPIC', { topic, reason });
  };

  return {
    async listen() {
      assertOpen();
      const opened = await openListeners(
        { ...options, connectTimeoutMs, limits },
        { gate, authOverMqtt, log, clock },
      );
      ports = opened.ports;
      closeListeners = opened.close;
      return { ...ports };
    },

    handle(conn, address = 'in-memory') {
      assertOpen();
      gate.admit(conn, address);
    },

    async publish(systemKey, topic, payload, opts: PublishOptions = {}) {
      assertOpen();
      badTopic(topic, publishTopicProblem(topic, limits.maxTopicLength, limits.maxTopicLevels));
      if (opts.identity !== undefined && !acl.canPublish(opts.identity, topic)) {
        throw new IsobarError('CB_ERR_MQTT_PUBLISH_DENIED', { topic });
      }
      const packet = {
        cmd: 'publish',
        topic: toInternal(systemKey, topic),
        payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
        qos: opts.qos ?? 0,
        retain: opts.retain ?? false,
        dup: false,
        properties: { isobar: { hop: opts.hop ?? 0, publisher: opts.identity } },
      } as unknown as AedesPublishPacket;
      // The platform's own `$` topics ($SYS, $trigger events) are not traffic of the system (Mosquitto: same).
      if (topic.charCodeAt(0) !== 36) traffic?.published(systemKey, packet.qos, packet.payload.length);
      await new Promise<void>((resolve, reject) =>
        aedes.publish(packet, (err) => (err ? reject(err) : resolve())),
      );
    },

    async subscribe(
      systemKey,
      filter,
      handler: InternalHandler,
      opts: { identity?: ClientIdentity; qos?: 0 | 1 | 2 } = {},
    ) {
      assertOpen();
      const share = parseShared(filter);
      const plain = share?.filter ?? filter;
      badTopic(filter, filterProblem(plain, limits.maxTopicLength, limits.maxTopicLevels));
      if (opts.identity !== undefined && !acl.canSubscribe(opts.identity, plain)) {
        throw new IsobarError('CB_ERR_MQTT_SUBSCRIBE_DENIED', { filter });
      }
      let live = true; // off at once on unsubscribe (aedes removes the listener a turn later)
      const deliver = (packet: AedesPublishPacket) => {
        if (!live) return;
        const message = internalMessage(packet);
        if (message === undefined || message.systemKey !== systemKey) return;
        try {
          handler(message);
        } catch (err) {
          log.error('internal subscriber failed', { systemKey, filter, err: String(err) });
        }
      };
      let remove: () => Promise<void>;
      if (share !== undefined) {
        const key = {};
        await shared.join(systemKey, share.group, plain, opts.qos ?? 0, { key, handler: deliver });
        remove = () => shared.leave(systemKey, share.group, plain, key);
      } else {
        const internal = toInternal(systemKey, plain);
        const listener = (packet: AedesPublishPacket, done: () => void) => {
          done(); // call back first (DESIGN.md, measured facts)
          deliver(packet);
        };
        await new Promise<void>((resolve) => aedes.subscribe(internal, listener, () => resolve()));
        let removed: Promise<void> | undefined;
        remove = () =>
          (removed ??= new Promise<void>((resolve) =>
            aedes.unsubscribe(internal, listener, () => resolve()),
          ));
      }
      const drop = () => {
        live = false;
        return remove();
      };
      if (events.has('internalSubscribed')) {
        events.emit('internalSubscribed', { systemKey, filter, identity: opts.identity });
      }
      if (opts.identity === undefined) return drop;
      // made for an identity (a service): dropped when that identity's roles no longer allow it
      const untrack = access.trackInternal({ systemKey, identity: opts.identity, filter: plain, drop });
      return () => {
        untrack();
        return drop();
      };
    },

    hasSubscribers(systemKey, topic) {
      const internal = toInternal(systemKey, topic);
      if (broker.mq._matcher.match(internal).length > 0) return true;
      // another node's subscribers (its clients, persistent sessions, internal subscribers)
      if (clusterShare?.hasGroup(systemKey, topic) === true) return true;
      return cluster !== undefined && cluster.interest.remote(internal);
    },

    beforeAck(gate) {
      ackGate = gate;
      return () => {
        if (ackGate === gate) ackGate = undefined;
      };
    },

    on: (event, listener) => events.on(event, listener),

    disconnectTokens(tokens) {
      for (const token of tokens) {
        for (const session of clientIds.byToken(token)) {
          log.info('mqtt connection closed: token revoked', {
            systemKey: session.systemKey,
            clientId: session.clientId,
          });
          session.close();
        }
      }
    },

    recheckAccess: (systemKey) => access.recheck(systemKey),

    stats: () => ({
      connections: admission.connections,
      deniedPublishes: acl.deniedPublishes,
      deniedSubscribes: acl.deniedSubscribes,
      limitBreaches,
      droppedDeliveries,
    }),

    traffic: () => traffic?.bySystem ?? new Map(),
    subscriptionCounts: () => subscriptionCounts(broker),
    subscriberCount: (systemKey, topic) => subscriberCount(broker, systemKey, topic),
    retainedCounts: () => retainedCounts(persistence),

    close() {
      closing ??= (async () => {
        await closeListeners?.();
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        await clusterShare?.close(); // after the clients left: what they held is handed back first
        if (cluster !== undefined) await cluster.close(persistence);
        else await persistence.destroy();
      })();
      return closing;
    },
  };
}

/** The filter a client sees for an internal subscription topic (shared ones as `$share/g/f`). */
function visibleFilter(topic: string): string | undefined {
  const share = parsePlaceholder(topic);
  if (share !== undefined) return `$share/${share.group}/${share.filter}`;
  return fromInternal(topic)?.topic;
}
