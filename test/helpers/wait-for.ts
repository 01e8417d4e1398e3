// The one way tests wait: for an event, with a bounded timeout. Never a poll, never a sleep.
//
// Works on the three kinds of emitter in this project: Node's EventEmitter (mqtt clients, sockets,
// component emitters: `on` returns the emitter, `off` removes), and the typed buses of the broker and the
// platform (`on` returns its own remover). Register the wait BEFORE the action that causes the event; when
// the state may already hold, check it first: `if (!done()) await waitFor(bus, 'x', done)`.

import type { EventEmitter } from 'node:events';
import type { BrokerEventMap } from '../../broker/types.js';
import type { EngineEventMap } from '../../engine/types.js';
import type { PlatformEventMap } from '../../services/kernel/events.js';

/** A typed bus whose `on` answers its remover (broker events, platform events, the broker itself). */
export interface TypedBus<M> {
  on<K extends keyof M>(event: K, listener: (event: M[K]) => void): () => void;
}

/** Node's EventEmitter shape, as far as waiting needs it. */
export interface NodeEmitter {
  on(event: string | symbol, listener: (...args: unknown[]) => void): unknown;
  off(event: string | symbol, listener: (...args: unknown[]) => void): unknown;
}

export interface WaitOptions {
  /** ms before the wait fails; default 5000. */
  readonly timeoutMs?: number;
  /** Named in the timeout error, so a failing test says what never happened. */
  readonly what?: string;
}

/** A bus of this project whose event map `waitFor` knows without being told: the broker, platform or engine. */
export type KnownBus = TypedBus<BrokerEventMap> | TypedBus<PlatformEventMap> | TypedBus<EngineEventMap>;

/** The event map of a known bus, tried in the order above (a bus answers the first map it fits). */
export type BusEventMap<S> =
  S extends TypedBus<BrokerEventMap>
    ? BrokerEventMap
    : S extends TypedBus<PlatformEventMap>
      ? PlatformEventMap
      : S extends TypedBus<EngineEventMap>
        ? EngineEventMap
        : never;

/** Resolves with the first event `event` of a known bus that satisfies `predicate`; rejects after the timeout. */
export function waitFor<S extends KnownBus, K extends keyof BusEventMap<S>>(
  source: S,
  event: K,
  predicate?: (payload: BusEventMap<S>[K]) => boolean,
  options?: WaitOptions,
): Promise<BusEventMap<S>[K]>;
/** Any other typed bus (name its event map: `waitFor<MyMap, 'x'>(bus, 'x')`). */
export function waitFor<M, K extends keyof M>(
  source: TypedBus<M>,
  event: K,
  predicate?: (payload: M[K]) => boolean,
  options?: WaitOptions,
): Promise<M[K]>;
/** Resolves with the arguments of the first `event` of a typed EventEmitter that satisfies `predicate`. */
export function waitFor<T extends Record<keyof T, unknown[]>, K extends keyof T & string>(
  source: EventEmitter<T>,
  event: K,
  predicate?: (...args: T[K]) => boolean,
  options?: WaitOptions,
): Promise<T[K]>;
/** Resolves with the arguments of the first `event` of an EventEmitter that satisfies `predicate`. */
export function waitFor(
  source: NodeEmitter,
  event: string,
  predicate?: (...args: never[]) => boolean,
  options?: WaitOptions,
): Promise<unknown[]>;
export function waitFor(
  source: NodeEmitter | { on(event: never, listener: never): () => void },
  event: PropertyKey,
  predicate: (...args: never[]) => boolean = () => true,
  options: WaitOptions = {},
): Promise<unknown> {
  const { timeoutMs = 5000, what = `event ${String(event)}` } = options;
  return new Promise((resolve, reject) => {
    let remove: () => void = () => {};
    const timer = setTimeout(() => {
      remove();
      reject(new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`));
    }, timeoutMs);
    const settle = (fn: () => void): void => {
      clearTimeout(timer);
      remove();
      fn();
    };
    const nodeStyle = 'off' in source;
    const listener = (...args: unknown[]): void => {
      let ok: boolean;
      try {
        ok = predicate(...(args as never[]));
      } catch (err) {
        settle(() => reject(err instanceof Error ? err : new Error(String(err))));
        return;
      }
      if (ok) settle(() => resolve(nodeStyle ? args : args[0]));
    };
    const name = event as string | symbol;
    const returned: unknown = (source as NodeEmitter).on(name, listener);
    remove =
      typeof returned === 'function'
        ? (returned as () => void)
        : () => {
            (source as NodeEmitter).off(name, listener);
          };
  });
}
