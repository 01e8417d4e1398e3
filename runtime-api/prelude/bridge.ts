// The only way out of the isolate: a handle to one host function, held in this closure and never put where
// user code can reach it. Calls either wait (the isolate blocks, Node does not) or are sent and forgotten.

import {
  ANSWER_OK,
  CALL_OPS,
  OUTBOX_SIZE,
  PUBLISH_WINDOW,
  SEND_OPS,
  encodeOutbox,
  type OutboxEntry,
} from '../sandbox-protocol.js';

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
  /** A publish: sent now, or (stream runs) held in the outbox until the next crossing or OUTBOX_SIZE. */
  publish(topic: string, payload: string, qos: number, retain: boolean, binary: boolean): void;
  /**
   * Starts the next run of the context: not ended, outbox empty; `stream` runs batch their publishes. `held`
   * (a run of a batch): its publishes also wait in the outbox after the run ends, for the batch's `next`
   * marker to carry them (one crossing per run instead of two), or `flush` after the batch's last run.
   */
  begin(stream: boolean, held?: boolean): void;
  end(): void;
  /** Takes the outbox as encodeOutbox text ('' when empty). */
  takeOutbox(): string;
  /** Sends the outbox now (one crossing), if it holds anything. */
  flush(): void;
  readonly ended: boolean;
}

/**
 * Wraps the host reference; `ended` stops every later crossing so code after resp.* has no effect. One bridge
 * serves every run of a context (built once with the runtime API); `begin` opens it for the next run.
 */
export function createBridge(ref: HostReference): Bridge {
  let ended = false;
  let sentSinceCall = 0;
  let batching = false;
  let held = false;
  let outbox: OutboxEntry[] = [];
  const takeOutbox = (): string => {
    if (outbox.length === 0) return '';
    const text = encodeOutbox(outbox);
    outbox = [];
    return text;
  };
  const flush = (): void => {
    if (outbox.length > 0) ref.applyIgnored(undefined, [SEND_OPS.publishBatch, takeOutbox()]);
  };
  const call = (op: string, ...args: Array<string | number | boolean>): Answer => {
    if (ended) throw ENDED;
    sentSinceCall = 0;
    // A wait carries the outbox itself; any other waited call sends it first, keeping publish order.
    if (op === CALL_OPS.wait) args.push(takeOutbox());
    else flush();
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
    publish(topic, payload, qos, retain, binary) {
      if (ended) throw ENDED;
      if (batching) {
        outbox.push([topic, payload, qos, retain, binary]);
        if (outbox.length >= OUTBOX_SIZE) flush();
      } else {
        ref.applyIgnored(undefined, [
          binary ? SEND_OPS.publishBinary : SEND_OPS.publish,
          topic,
          payload,
          qos,
          retain,
        ]);
      }
      if (++sentSinceCall >= PUBLISH_WINDOW) call(CALL_OPS.drain);
    },
    begin(stream, hold = false) {
      ended = false;
      sentSinceCall = 0;
      batching = stream || hold;
      held = hold;
      outbox = [];
    },
    end() {
      if (!ended && !held) flush();
      ended = true;
    },
    takeOutbox,
    flush,
    get ended() {
      return ended;
    },
  };
}

function errorMessage(err: unknown): string {
  if (err !== null && typeof err === 'object' && 'message' in err) return String(err.message);
  return String(err);
}
