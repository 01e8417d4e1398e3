// aedes' message emitter (mqemitter 7) with a bounded stack (docs/upstream/aedes-recursion.md). mqemitter drains its
// queue recursively: a delivery slot freed by a synchronous callback (fastparallel calls back at once
// when a message matches no listener, and internal subscribers call back first) takes the next queued
// message on the same stack. With thousands of messages queued behind a slow subscriber that then
// leaves, that recursion overflows the stack and the process dies with `RangeError: Maximum call stack
// size exceeded` (bare aedes 1.2 dies the same way; docs/upstream/aedes-recursion.md). Here every
// nested `_do` past MAX_DEPTH is handed to the next macrotask instead, in order, holding its slot.
import mqemitter from 'mqemitter';

/** A message as aedes emits it (an aedes packet). */
type Message = mqemitter.Message;
type Callback = (err?: Error) => void;

/** mqemitter internals we wrap: the per-message step, the slot count and its "draining" flag. */
interface EmitterInternals {
  _do(message: Message, callback: Callback): unknown;
  current: number;
  _doing: boolean;
}

/**
 * Nested `_do` calls allowed on one stack. Each level costs a few dozen frames (aedes' publish series,
 * the broker's publish listeners), so 32 levels stay far below V8's limit yet keep the common case, a
 * short synchronous chain, on the fast path.
 */
export const MAX_DEPTH = 32;

/** The emitter aedes gets as `mq`: mqemitter's behaviour, but its queue never recurses deeper than MAX_DEPTH. */
export function createMessageEmitter(options: { readonly concurrency: number }): mqemitter.MQEmitter {
  return boundDrain(mqemitter({ concurrency: options.concurrency, matchEmptyLevels: true })); // [MQTT-4.7.1-3]
}

/**
 * Bounds the queue drain of any mqemitter (the embedded one, or mqemitter-redis, which hands every
 * message coming back from Redis to the same mqemitter `_do` and so drains the same way).
 */
export function boundDrain<T extends mqemitter.MQEmitter>(mq: T): T {
  const inner = mq as unknown as EmitterInternals;
  const step = inner._do.bind(mq);
  let depth = 0;
  let scheduled = false;
  // Deferred messages, oldest first; each already holds the delivery slot it will use.
  const deferred: Array<{ message: Message; callback: Callback } | undefined> = [];
  let head = 0;

  const run = (message: Message, callback: Callback) => {
    depth++;
    try {
      step(message, callback);
    } finally {
      depth--;
    }
  };
  const drain = () => {
    scheduled = false;
    // A message taken here that frees its slot synchronously re-enters `_do`; because `deferred` is not
    // empty, that next message queues behind the others instead of nesting, so this loop stays flat.
    while (head < deferred.length) {
      const next = deferred[head];
      deferred[head++] = undefined;
      if (next === undefined) continue;
      inner.current--; // the slot reserved when it was deferred; `step` takes it again
      run(next.message, next.callback);
    }
    deferred.length = 0;
    head = 0;
  };

  inner._do = (message, callback) => {
    if (depth < MAX_DEPTH && head === deferred.length) {
      run(message, callback);
      return mq;
    }
    // Keep the slot, so a message emitted meanwhile queues behind this one (order is kept).
    inner.current++;
    inner._doing = true;
    deferred.push({ message, callback });
    if (!scheduled) {
      scheduled = true;
      setImmediate(drain);
    }
    return mq;
  };
  return mq;
}
