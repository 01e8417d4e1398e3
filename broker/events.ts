// The broker's typed event emitter. Producers ask `has(event)` first, so an event nobody listens to is
// never built: the publish hot path pays one Set size check. The emitter itself is generic (typedEvents):
// the platform bus of services/kernel/events.ts is the same thing over its own event map.
import type { Log } from '../runtime-api/log.js';
import type { BrokerEventMap } from './types.js';

/** A synchronous emitter of the events of map `M`, typed by event name. */
export interface TypedEvents<M> {
  on<K extends keyof M>(event: K, listener: (payload: M[K]) => void): () => void;
  /** True when someone listens: producers may skip building an event nobody reads. */
  has(event: keyof M): boolean;
  emit<K extends keyof M>(event: K, payload: M[K]): void;
}

/** Creates an emitter of map `M`; a throwing listener is reported through `onError` and does not stop the others. */
export function typedEvents<M>(onError: (event: keyof M, err: unknown) => void): TypedEvents<M> {
  const listeners = new Map<keyof M, Set<(payload: never) => void>>();
  return {
    on(event, listener) {
      let set = listeners.get(event);
      if (set === undefined) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => {
        set.delete(listener as (payload: never) => void);
      };
    },
    has: (event) => (listeners.get(event)?.size ?? 0) > 0,
    emit(event, payload) {
      const set = listeners.get(event);
      if (set === undefined) return;
      for (const l of set) {
        try {
          (l as (p: typeof payload) => void)(payload);
        } catch (err) {
          onError(event, err);
        }
      }
    },
  };
}

export type BrokerEvents = TypedEvents<BrokerEventMap>;

/** Creates the emitter; a throwing listener is logged and does not stop the others or the broker. */
export function createBrokerEvents(log: Log): BrokerEvents {
  return typedEvents<BrokerEventMap>((event, err) =>
    log.error('broker event listener failed', { event, err: String(err) }),
  );
}
