// The edge's side of the link, wired together: relay topics published on the edge's own broker go into
// the on-disk outbox and up through the uplink; relay messages coming down are published on the edge's
// broker on the same topic string; control messages go to their handlers. Local devices keep working on
// the edge's broker whether or not the platform is reachable.
import type { Broker, BrokerMessage } from '../../broker/types.js';
import type { Clock } from '../kernel/clock.js';
import type { Log } from '../kernel/log.js';
import type { Store } from '../store/index.js';
import { createEchoGuard } from './echo.js';
import { createOutbox, type Outbox } from './outbox.js';
import { parseRelayTopic, sendsUp } from './relay.js';
import { createUplink, type Uplink, type UplinkOptions } from './uplink.js';

export type EdgeLinkBroker = Pick<Broker, 'publish' | 'on'>;

export interface EdgeLinkOptions extends UplinkOptions {
  /** Most messages kept for the platform while it is unreachable (default 100000). */
  readonly outboxLimit?: number;
}

export interface EdgeLinkDeps {
  readonly broker: EdgeLinkBroker;
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Log;
  /** A control message from the platform (`identity`, `deploy`); reports go back through `link.report`. */
  readonly onControl?: (op: string, body: unknown) => void;
  /** The platform became reachable or unreachable. */
  readonly onState?: (connected: boolean) => void;
}

export interface EdgeLink {
  readonly uplink: Uplink;
  readonly outbox: Outbox;
  start(): void;
  /** Sends a report to the platform now; false while it is unreachable. */
  report(op: string, body: unknown): boolean;
  close(): Promise<void>;
}

/** Creates the edge side of the link; nothing connects until `start()`. */
export function createEdgeLink(options: EdgeLinkOptions, deps: EdgeLinkDeps): EdgeLink {
  const { broker, store, clock, log } = deps;
  const systemKey = options.systemKey;
  const self = options.edgeName;
  const echo = createEchoGuard();
  const outbox = createOutbox(store, {
    limit: options.outboxLimit,
    now: () => clock.now(),
    onOverflow: (dropped, limit) =>
      log.warn('edge outbox full: oldest messages dropped', {
        dropped,
        limit,
        code: 'CB_ERR_EDGE_OUTBOX_FULL',
      }),
  });
  const uplink = createUplink(options, {
    outbox,
    clock,
    log,
    handlers: {
      onDown(topic, payload, qos) {
        echo.expect(systemKey, topic, payload);
        broker.publish(systemKey, topic, payload, { qos }).catch((err: unknown) => {
          log.error('relay publish on the edge failed', { topic, err: String(err) });
        });
      },
      onControl(op, payload) {
        let body: unknown;
        try {
          body = JSON.parse(payload.toString('utf8'));
        } catch {
          log.warn('control message is not JSON', { op });
          return;
        }
        deps.onControl?.(op, body);
      },
      onState: (connected) => deps.onState?.(connected),
    },
  });
  let remove: (() => void) | undefined;

  const onPublished = (m: BrokerMessage) => {
    if (m.systemKey !== systemKey) return;
    const rt = parseRelayTopic(m.topic);
    if (rt === undefined || !sendsUp(rt, self)) return;
    if (m.publisher === undefined && echo.isEcho(systemKey, m.topic, m.payload)) return;
    outbox.add(m.topic, m.payload, m.qos).then(
      () => uplink.notify(),
      (err: unknown) => log.error('edge outbox write failed', { topic: m.topic, err: String(err) }),
    );
  };

  return {
    uplink,
    outbox,
    start() {
      remove ??= broker.on('published', onPublished);
      uplink.start();
    },
    report: (op, body) => uplink.report(op, body),
    async close() {
      remove?.();
      await uplink.close();
    },
  };
}
