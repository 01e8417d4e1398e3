// The engine's Host (engine/types.ts) over the broker, the one invoke door and the platform operations
// (history, triggers, timers; the engine keeps Messaging().setTimeout/setInterval itself):
// everything user code may do outside its isolate passes through here, with the ACL of the identity the
// service runs as (run-as.ts: its run_user, else its caller or the identity that saved it), within the
// bounds that identity carries, and the hop count that stops re-trigger storms.
import type { Caller, Host, HostContext, InvokeResult, LogLine } from '../../engine/types.js';
import type { ClientIdentity, InternalHandler, PublishOptions } from '../../broker/types.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import { parseShared } from '../../runtime-api/topics.js';
import type { OpHandler } from '../kernel/component.js';
import type { Log } from '../kernel/log.js';
import { createHopCarry } from '../automation/hop-carry.js';

/** The part of the broker the host uses (`platform.broker`). */
export interface HostBroker {
  publish(systemKey: string, topic: string, payload: Buffer, options: PublishOptions): Promise<void> | void;
  subscribe(
    systemKey: string,
    filter: string,
    handler: InternalHandler,
    options: { identity?: ClientIdentity },
  ): Promise<() => Promise<void> | void> | (() => Promise<void> | void);
}

/** Finds the handler of a bridge op: the table the composition root gathered from the components. */
export type OpLookup = (op: string) => OpHandler | undefined;

/** The one invoke door (component.ts), as the host calls it for `ClearBlade.Code().execute`. */
export type InvokeDoor = (
  systemKey: string,
  name: string,
  params: unknown,
  caller: Caller,
  options: { hop: number; logging: boolean; authorize: boolean; source: 'execute' },
) => Promise<InvokeResult>;

export interface HostOptions {
  readonly broker: HostBroker;
  readonly invoke: InvokeDoor;
  readonly log: Log;
  /** A log line of a run: stored for stream instances (micro runs store theirs from the result). */
  readonly onLog?: (ctx: HostContext, line: LogLine) => void;
  /** Bridge ops (services/kernel/bridge-ops.ts); absent = none, every `Host.call` is refused. */
  readonly ops?: OpLookup;
  /**
   * False when an identity bounding `runAs` (run-as.ts: the user who saved the code a caller runs) may not
   * publish to / subscribe to `topic`; the broker checks `runAs` itself. Absent = no bounds.
   */
  readonly withinBounds?: (runAs: Caller, topic: string, action: 'publish' | 'subscribe') => boolean;
}

function toBuffer(payload: string | Uint8Array): Buffer {
  return typeof payload === 'string'
    ? Buffer.from(payload, 'utf8')
    : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** Builds the Host the engine is created with. */
export function createHost(options: HostOptions): Host {
  const { broker, log } = options;
  // Publishes after received messages carry those messages' hop (a stream reacting to its own events).
  const hops = createHopCarry();
  let lastPayload: Buffer | undefined;
  let lastText = '';
  /** UTF-8 text of a payload; deliveries of one message to many subscriptions come one after another. */
  const payloadText = (payload: Buffer): string => {
    if (payload !== lastPayload) {
      lastText = payload.toString('utf8');
      lastPayload = payload;
    }
    return lastText;
  };

  const publish = async (
    ctx: HostContext,
    topic: string,
    payload: Buffer,
    qos: 0 | 1 | 2,
    retain: boolean,
  ): Promise<void> => {
    if (options.withinBounds?.(ctx.runAs, topic, 'publish') === false) {
      throw new IsobarError('CB_ERR_MQTT_PUBLISH_DENIED', { topic });
    }
    await broker.publish(ctx.service.systemKey, topic, payload, {
      qos,
      retain,
      identity: ctx.runAs, // the run-as identity itself: the broker's ACL sees what the run carries
      hop: hops.publishHop(ctx, ctx.hop),
    });
  };

  return {
    publish: (ctx, topic, payload, qos, retain) => publish(ctx, topic, toBuffer(payload), qos, retain),
    async subscribe(ctx, filter, onMessage) {
      if (options.withinBounds?.(ctx.runAs, parseShared(filter)?.filter ?? filter, 'subscribe') === false) {
        throw new IsobarError('CB_ERR_MQTT_SUBSCRIBE_DENIED', { filter });
      }
      const unsubscribe = await broker.subscribe(
        ctx.service.systemKey,
        filter,
        // The payload Buffer is the same for every subscription one message matches: converted once, and
        // handed over as the message's identity so the engine queues it once (engine/subscriptions.ts).
        (message) => {
          hops.received(ctx, message.hop);
          onMessage(message.topic, payloadText(message.payload), message.payload);
        },
        { identity: ctx.runAs },
      );
      return async () => {
        await unsubscribe();
      };
    },
    execute: (ctx, name, params, logging) =>
      options.invoke(ctx.service.systemKey, name, params, ctx.runAs, {
        hop: ctx.hop + 1,
        logging,
        authorize: true,
        source: 'execute',
      }),
    async call(ctx, op, args) {
      const handler = options.ops?.(op);
      if (handler === undefined) throw new IsobarError('CB_ERR_CODE_OP_UNAVAILABLE', { op });
      return await handler(ctx, args);
    },
    log(ctx, line) {
      log.debug('service log', {
        systemKey: ctx.service.systemKey,
        service: ctx.service.name,
        instanceId: ctx.instanceId,
        level: line.level,
        message: line.message,
      });
      options.onLog?.(ctx, line);
    },
  };
}
