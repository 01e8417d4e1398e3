// The only way out of the isolate: a handle to one host function, held in this closure and never put where
// user code can reach it. Calls either wait (the isolate blocks, Node does not) or are sent and forgotten.

import { ANSWER_OK, CALL_OPS, PUBLISH_WINDOW } from '../sandbox-protocol.js';

/** The isolated-vm Reference as seen from inside: only the two call styles the prelude uses. */
export interface HostReference {
  applyIgnored(receiver: undefined, args: Array<string | number | boolean>): void;
  applySyncPromise(receiver: undefined, args: Array<string | number | boolean>): unknown;
}

/** Thrown to unwind user code once resp.success/error/send ended the run. */
export const ENDED: object = Object.freeze({ isobar: 'ended' });

/** The answer of a waited call: data text on success, message on failure. */
export type Answer = { ok: true; data: string } | { ok: false; message: string };

export interface Bridge {
  /** A waited call. Throws ENDED once the run has ended. */
  call(op: string, ...args: Array<string | number | boolean>): Answer;
  /** A call sent without waiting. Throws ENDED once the run has ended. */
  send(op: string, ...args: Array<string | number | boolean>): void;
  /** Counts a publish; every PUBLISH_WINDOW publishes waits until the host has room. */
  published(): void;
  end(): void;
  readonly ended: boolean;
}

/** Wraps the host reference; `ended` stops every later crossing so code after resp.* has no effect. */
export function createBridge(ref: HostReference): Bridge {
  let ended = false;
  let sentSinceCall = 0;
  const call = (op: string, ...args: Array<string | number | boolean>): Answer => {
    if (ended) throw ENDED;
    sentSinceCall = 0;
    let raw: unknown;
    try {
      raw = ref.applySyncPromise(undefined, [op, ...args]);
    } catch (err) {
      return { ok: false, message: errorMessage(err) };
    }
    const text = typeof raw === 'string' ? raw : '';
    return text.charAt(0) === ANSWER_OK
      ? { ok: true, data: text.slice(1) }
      : { ok: false, message: text.slice(1) };
  };
  return {
    call,
    send(op, ...args) {
      if (ended) throw ENDED;
      ref.applyIgnored(undefined, [op, ...args]);
    },
    published() {
      if (++sentSinceCall >= PUBLISH_WINDOW) call(CALL_OPS.drain);
    },
    end() {
      ended = true;
    },
    get ended() {
      return ended;
    },
  };
}

function errorMessage(err: unknown): string {
  if (err !== null && typeof err === 'object' && 'message' in err) return String(err.message);
  return String(err);
}
