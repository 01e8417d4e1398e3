// The `$trigger/...` and `$timer/<name>` event topics (DESIGN.md "MQTT surface", reference §8). An event is
// published only when some subscription of its system matches (the broker answers that from memory), so
// an unwatched event costs one lookup and builds nothing. The payload is the JSON of the trigger's
// `req.params`. Role ACL applies on subscribe (the broker's job); `$share/<g>/$trigger/#` groups work
// because these are ordinary publishes into the system's topic space.

import { EVENT_TOPICS } from '../../runtime-api/constants.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { PublishOptions } from '../../broker/types.js';
import type { Log } from '../kernel/log.js';
import { DEFINITIONS, type ActionKey } from './triggers/definitions.js';
import type { TriggerEvent } from './triggers/params.js';

/** The slice of the broker event topics need. */
export interface EventTopicBroker {
  hasSubscribers(systemKey: string, topic: string): boolean;
  publish(systemKey: string, topic: string, payload: Buffer | string, opts?: PublishOptions): Promise<void>;
}

const TOPIC_OF = new Map<string, string>(
  DEFINITIONS.flatMap((d) => (d.topic === undefined ? [] : [[`${d.def_module}::${d.def_name}`, d.topic]])),
);

/** `$timer/<name>`. */
export function timerTopic(name: string): string {
  return `${EVENT_TOPICS.timerPrefix}${name}`;
}

export interface EventTopics {
  /** sync, hot path: does anyone watch the event topic of `action` in this system? */
  watched(systemKey: string, action: ActionKey): boolean;
  /** Publishes the event on its topic when watched (`watched`: the caller already asked `watched()`). */
  publishEvent(event: TriggerEvent, watched?: boolean): void;
  /** Publishes `$timer/<name>` when watched; `payload` is built only then. */
  publishTimer(systemKey: string, name: string, payload: () => Record<string, unknown>): void;
  /** Events not published because their chain of service publishes reached the hop limit. */
  readonly hopLimited: number;
}

/** Builds the event-topic publisher over the broker. */
export function createEventTopics(deps: {
  readonly broker: EventTopicBroker;
  readonly log: Log;
  /** Events at this hop or deeper are not published (config `engine.hopLimit`, as for trigger jobs). */
  readonly hopLimit: number;
}): EventTopics {
  const { broker, log } = deps;
  let hopLimited = 0;
  // An event caused by a service's publish carries that publish's hop; a stream reacting to it publishes
  // one deeper (hop-carry.ts). At the limit the chain ends here, logged at the first refusal and then at
  // powers of two so a storm cannot flood the log.
  const refuse = (event: TriggerEvent, topic: string): void => {
    hopLimited++;
    if ((hopLimited & (hopLimited - 1)) !== 0) return;
    const err = new IsobarError('CB_ERR_TRIGGER_HOP_LIMIT', {
      hops: event.hop,
      limit: deps.hopLimit,
      source: `event ${topic}`,
    });
    log.error(err.message, { code: err.code, systemKey: event.systemKey, topic, refused: hopLimited });
  };
  const send = (systemKey: string, topic: string, body: Record<string, unknown>, hop: number) => {
    broker
      .publish(systemKey, topic, JSON.stringify(body), { qos: 0, hop })
      .catch((err: unknown) =>
        log.warn('event topic publish failed', { systemKey, topic, err: String(err) }),
      );
  };
  return {
    watched(systemKey, action) {
      const topic = TOPIC_OF.get(action);
      return topic !== undefined && broker.hasSubscribers(systemKey, topic);
    },
    publishEvent(event, watched) {
      const topic = TOPIC_OF.get(event.action);
      if (topic === undefined || !(watched ?? broker.hasSubscribers(event.systemKey, topic))) return;
      if (event.hop >= deps.hopLimit) return refuse(event, topic);
      send(event.systemKey, topic, event.params, event.hop);
    },
    publishTimer(systemKey, name, payload) {
      const topic = timerTopic(name);
      if (!broker.hasSubscribers(systemKey, topic)) return;
      send(systemKey, topic, payload(), 0);
    },
    get hopLimited() {
      return hopLimited;
    },
  };
}
