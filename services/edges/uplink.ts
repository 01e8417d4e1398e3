// The edge's connection to its platform: an MQTT client on the platform's broker (TLS when the URL says
// mqtts:// or wss://), authenticated with the edge token (username) and the system key (password). It
// drains the on-disk outbox in order, hands down relay and control messages to the edge, and reconnects
// with exponential backoff on an injectable clock. The edge's own broker keeps serving local devices
// whatever happens here.
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import type { Clock } from '../kernel/clock.js';
import type { Log } from '../kernel/log.js';
import { createBackoff, type BackoffOptions } from './backoff.js';
import { channelTopic, OPS, parseChannelTopic } from './channel.js';
import type { Outbox } from './outbox.js';

export interface UplinkOptions {
  /** `mqtt://host:port`, `mqtts://…`, `ws://…/mqtt` or `wss://…/mqtt` of the platform's broker. */
  readonly url: string;
  readonly systemKey: string;
  readonly edgeName: string;
  readonly token: string;
  readonly backoff?: BackoffOptions;
  /** Most unacknowledged messages on the wire (default 256). */
  readonly window?: number;
  /** Connect timeout, ms (default 10000). */
  readonly connectTimeoutMs?: number;
}

export interface UplinkHandlers {
  /** A relay message for this edge, to publish on its own broker as `topic`. */
  onDown(topic: string, payload: Buffer, qos: 0 | 1 | 2): void;
  /** A control message from the platform (`identity`, `deploy`). */
  onControl(op: string, payload: Buffer): void;
  /** The platform became reachable or unreachable. */
  onState(connected: boolean): void;
}

/** What the uplink reports to whoever watches it (the edge component, tests waiting for a state). */
export interface UplinkEvents {
  /** The platform became reachable (true, after the subscriptions are in place) or unreachable (false). */
  state: [connected: boolean];
  /** A (re)connect attempt is scheduled `delayMs` from now on the clock. */
  retry: [delayMs: number];
  /** Everything in the outbox has been acknowledged and removed. */
  drained: [];
  /** The platform refused the edge token (CONNACK 4 or 5, logged as CB_ERR_EDGE_BAD_TOKEN); retries go on. */
  refused: [];
}

export interface Uplink {
  /** Reports state changes, scheduled retries, a drained outbox and a refused token. */
  readonly events: EventEmitter<UplinkEvents>;
  /** Starts connecting (and reconnecting until closed). */
  start(): void;
  /** New entries are in the outbox: send them if connected. */
  notify(): void;
  /** Sends a report to the platform now; dropped (false) while disconnected. */
  report(op: string, body: unknown): boolean;
  readonly connected: boolean;
  /** Says goodbye, stops reconnecting, closes the connection; idempotent. */
  close(): Promise<void>;
}

/** Creates the uplink; nothing connects until `start()`. */
export function createUplink(
  options: UplinkOptions,
  deps: { outbox: Outbox; clock: Clock; log: Log; handlers: UplinkHandlers },
): Uplink {
  const { outbox, clock, log, handlers } = deps;
  const edge = options.edgeName;
  const window = options.window ?? 256;
  const backoff = createBackoff(options.backoff);
  let client: MqttClient | undefined;
  let connected = false;
  let closing: Promise<void> | undefined;
  let cancelTimer: (() => void) | undefined;
  // Per connection: what has been handed to the socket and not yet confirmed.
  let generation = 0;
  let sentUpTo = 0;
  let inflight = 0;
  let pumping = false;
  let again = false;
  let removing = 0;
  const events = new EventEmitter<UplinkEvents>();

  const kick = () => {
    pump().catch((err: unknown) => log.error('edge uplink send failed', { err: String(err) }));
  };

  async function pump(): Promise<void> {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      // Refill only when half the window is free: fewer, larger reads of the outbox.
      while (connected && client !== undefined && inflight <= window / 2) {
        const gen = generation;
        const batch = await outbox.next(sentUpTo, window - inflight);
        if (batch.length === 0 && gen === generation && inflight === 0 && removing === 0)
          events.emit('drained');
        if (batch.length === 0 || gen !== generation || !connected) break;
        for (const entry of batch) {
          sentUpTo = entry.seq;
          inflight++;
          client.publish(channelTopic(edge, 'up', entry.topic), entry.payload, { qos: entry.qos }, (err) => {
            if (gen !== generation) return;
            inflight--;
            // A failed send stays in the outbox; the connection is going down and the next one resends it.
            // mqtt.js reports success as `null` or `undefined`.
            if (err instanceof Error) return;
            removing++;
            outbox.remove(entry.seq).then(
              () => {
                removing--;
                kick();
              },
              (e: unknown) => {
                removing--;
                log.error('edge outbox remove failed', { err: String(e) });
              },
            );
          });
        }
      }
    } finally {
      pumping = false;
      if (again) {
        again = false;
        kick();
      }
    }
  }

  const schedule = () => {
    if (closing !== undefined) return;
    const delay = backoff.next();
    log.debug('edge uplink reconnect scheduled', { delay, attempt: backoff.attempts });
    cancelTimer = clock.setTimer(delay, () => {
      cancelTimer = undefined;
      connect();
    });
    events.emit('retry', delay);
  };

  function connect(): void {
    if (closing !== undefined) return;
    const c = mqtt.connect(options.url, {
      clientId: `edge-${edge}`,
      username: options.token,
      password: options.systemKey,
      protocolVersion: 4,
      clean: false,
      reconnectPeriod: 0,
      connectTimeout: options.connectTimeoutMs ?? 10000,
      // The platform refuses a duplicate client id until it notices the old connection is gone (1.5 ×
      // keepalive after an uplink cut), so keep it short.
      keepalive: 15,
      queueQoSZero: false,
      resubscribe: false,
      will: {
        topic: channelTopic(edge, 'report', OPS.bye),
        payload: Buffer.from('{}'),
        qos: 1,
        retain: false,
      },
    });
    client = c;
    c.on('connect', () => {
      if (client !== c) return;
      backoff.reset();
      generation++;
      sentUpTo = 0;
      inflight = 0;
      connected = true;
      c.subscribe([channelTopic(edge, 'down', '#'), channelTopic(edge, 'ctl', '#')], { qos: 2 }, (err) => {
        if (err !== null && err !== undefined) {
          log.error('edge uplink subscribe failed', { err: String(err) });
          return;
        }
        if (client !== c) return;
        c.publish(channelTopic(edge, 'report', OPS.hello), JSON.stringify({ edge }), { qos: 1 });
        log.info('edge connected to platform', { url: options.url, edge });
        handlers.onState(true);
        events.emit('state', true);
        kick();
      });
    });
    c.on('message', (topic, payload, packet) => {
      const ch = parseChannelTopic(topic);
      if (ch === undefined || ch.edge !== edge) return;
      if (ch.direction === 'down') handlers.onDown(ch.rest, payload, packet.qos);
      else if (ch.direction === 'ctl') handlers.onControl(ch.rest, payload);
    });
    c.on('error', (err: Error & { code?: unknown }) => {
      const refused = err.code === 4 || err.code === 5;
      log.warn(refused ? 'platform refused the edge token' : 'edge uplink error', {
        url: options.url,
        edge,
        err: err.message,
        code: refused ? 'CB_ERR_EDGE_BAD_TOKEN' : 'CB_ERR_EDGE_PLATFORM_UNREACHABLE',
      });
      if (refused) events.emit('refused');
    });
    c.once('close', () => {
      if (client !== c) return;
      c.removeAllListeners('connect');
      c.end(true);
      client = undefined;
      generation++;
      const was = connected;
      connected = false;
      schedule();
      if (was) {
        log.warn('edge disconnected from platform', { edge });
        handlers.onState(false);
        events.emit('state', false);
      }
    });
  }

  return {
    events,
    start() {
      if (client === undefined && cancelTimer === undefined) connect();
    },
    notify() {
      if (connected) kick();
    },
    report(op, body) {
      if (!connected || client === undefined) return false;
      client.publish(channelTopic(edge, 'report', op), JSON.stringify(body), { qos: 1 });
      return true;
    },
    get connected() {
      return connected;
    },
    close() {
      closing ??= (async () => {
        cancelTimer?.();
        cancelTimer = undefined;
        const c = client;
        client = undefined;
        generation++;
        if (c === undefined) return;
        const wasConnected = connected;
        connected = false;
        if (wasConnected) {
          await new Promise<void>((resolve) => {
            c.publish(channelTopic(edge, 'report', OPS.bye), '{}', { qos: 1 }, () => resolve());
            clock.setTimer(1000, resolve);
          });
        }
        await new Promise<void>((resolve) => c.end(!wasConnected, {}, () => resolve()));
        if (wasConnected) {
          handlers.onState(false);
          events.emit('state', false);
        }
      })();
      return closing;
    },
  };
}
