// The live tail of a service's runs: every run that ends (REST, trigger, timer, execute, a stream instance
// exiting) is told to whoever watches that service right now — the SSE route behind `isobar services logs
// --follow`. Nothing is kept: a watcher sees what ends while it watches. Watchers per service are bounded
// so an open-ended number of idle connections cannot each cost a listener on every run.
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { LogLine } from '../../engine/types.js';
import type { SourcePosition } from './source-map.js';

/** Where a run came from. */
export type RunSource = 'rest' | 'trigger' | 'timer' | 'execute' | 'stream';

/** Why a run failed: the code, its text and where in the author's source it threw. */
export interface RunFailure {
  /** Absent when the service answered resp.error itself (no platform code). */
  readonly code?: string;
  readonly message: string;
  readonly position?: SourcePosition;
  /** The stack with positions in the author's source (service throws only). */
  readonly stack?: string;
}

/** One ended run as the tail tells it. */
export interface RunEvent {
  readonly time: number;
  readonly name: string;
  readonly version: number;
  readonly instanceId: string;
  readonly source: RunSource;
  readonly success: boolean;
  readonly code?: string;
  readonly message?: string;
  readonly position?: SourcePosition;
  readonly duration: number | null;
  /** The run's log lines, when it kept them (logging on, or it failed). */
  readonly logs?: readonly LogLine[];
}

export type RunListener = (event: RunEvent) => void;

/** Watchers of one service at once; one more is refused with CB_ERR_CODE_TAIL_LIMIT. */
export const MAX_WATCHERS_PER_SERVICE = 16;

export interface RunTail {
  /** Tells the watchers of the service; costs one map lookup when nobody watches. */
  publish(systemKey: string, event: RunEvent): void;
  /** Starts watching; answers the remover. Throws CB_ERR_CODE_TAIL_LIMIT past the bound. */
  watch(systemKey: string, name: string, listener: RunListener): () => void;
}

/** Builds the tail; `onListenerError` hears a watcher that threw (the others still hear the event). */
export function createRunTail(onListenerError: (err: unknown) => void): RunTail {
  const byService = new Map<string, Set<RunListener>>();
  const keyOf = (systemKey: string, name: string) => `${systemKey}\u0000${name}`;
  return {
    publish(systemKey, event) {
      const listeners = byService.get(keyOf(systemKey, event.name));
      if (listeners === undefined) return;
      for (const l of [...listeners]) {
        try {
          l(event);
        } catch (err) {
          onListenerError(err);
        }
      }
    },
    watch(systemKey, name, listener) {
      const key = keyOf(systemKey, name);
      let listeners = byService.get(key);
      if (listeners === undefined) byService.set(key, (listeners = new Set()));
      if (listeners.size >= MAX_WATCHERS_PER_SERVICE)
        throw new IsobarError('CB_ERR_CODE_TAIL_LIMIT', { name, limit: MAX_WATCHERS_PER_SERVICE });
      const mine = listeners;
      mine.add(listener);
      return () => {
        mine.delete(listener);
        if (mine.size === 0 && byService.get(key) === mine) byService.delete(key);
      };
    },
  };
}
