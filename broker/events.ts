// The broker's typed event emitter. Producers ask `has(event)` first, so an event nobody listens to is
// never built: the publish hot path pays one Set size check.
import type { Log } from '../runtime-api/log.js';
import type { BrokerEventMap } from './types.js';

type Listener<K extends keyof BrokerEventMap> = (event: BrokerEventMap[K]) => void;

export interface BrokerEvents {
  on<K extends keyof BrokerEventMap>(event: K, listener: Listener<K>): () => void;
  has(event: keyof BrokerEventMap): boolean;
  emit<K extends keyof BrokerEventMap>(event: K, payload: BrokerEventMap[K]): void;
}

/** Creates the emitter; a throwing listener is logged and does not stop the others or the broker. */
export function createBrokerEvents(log: Log): BrokerEvents {
  const listeners = new Map<keyof BrokerEventMap, Set<(event: never) => void>>();
  return {
    on(event, listener) {
      let set = listeners.get(event);
      if (set === undefined) listeners.set(event, (set = new Set()));
      set.add(listener as (event: never) => void);
      return () => {
        set.delete(listener as (event: never) => void);
      };
    },
    has: (event) => (listeners.get(event)?.size ?? 0) > 0,
    emit(event, payload) {
      const set = listeners.get(event);
      if (set === undefined) return;
      for (const l of set) {
        try {
          (l as (e: typeof payload) => void)(payload);
        } catch (err) {
          log.error('broker event listener failed', { event, err: String(err) });
        }
      }
    },
  };
}
