// ClearBlade.Messaging(): publish, subscribe, waitForMessage and the platform-side helpers.
// waitForMessage takes whatever is queued for its topics in ONE crossing and hands it out one by one here.

import type { BridgeOp } from '../bridge-ops.js';
import { CALL_OPS, decodeBatch } from '../sandbox-protocol.js';
import type { Bridge } from './bridge.js';
import { deliver, lastCallback, type Callback } from './callbacks.js';
import { binaryText, toText } from './format.js';
import { stringify } from './intrinsics.js';

export interface Messaging {
  publish(topic: string, payload: unknown, qos?: number, retain?: boolean): void;
  subscribe(topic: string, cb?: Callback): void;
  unsubscribe(topic: string, cb?: Callback): void;
  waitForMessage(topics: string | string[], cb: (err: boolean, msg: string, topic: string) => void): void;
  getMessageHistory(topic: string, start: number, count: number, cb: Callback): void;
  getMessageHistoryWithTimeFrame(
    topic: string,
    count: number,
    last: number,
    start: number,
    stop: number,
    cb: Callback,
  ): void;
  getAndDeleteMessageHistory(
    topic: string,
    count: number,
    last: number,
    start: number,
    stop: number,
    cb: Callback,
  ): void;
  getCurrentTopics(cb: Callback): void;
  setTimeout(ms: number, topic: string, data: unknown, cb?: Callback): void;
  cancelCBTimeout(id: string, cb?: Callback): void;
  setInterval(ms: number, topic: string, data: unknown, iterations: number, cb?: Callback): void;
  cancelCBInterval(id: string, cb?: Callback): void;
}

/** ClearBlade.Messaging for a context, and the reset that starts the next run's Messaging state. */
export interface MessagingApi {
  readonly Messaging: (options?: unknown, cb?: unknown) => Messaging;
  reset(): void;
}

/**
 * Built once per context. One Messaging state per run: every Messaging() call of a run answers the run's one
 * object (a copy of the long-lived methods, so a run may patch it) sharing the run's subscriptions and inbox;
 * `reset` forgets them before the next run (the host ended the subscriptions with the run).
 */
export function createMessagingFactory(bridge: Bridge): MessagingApi {
  const subs = new Map<string, number>();
  let inbox: Array<[number, string, string]> = [];
  let head = 0;
  let current: Messaging | undefined;

  const platform = (op: BridgeOp, args: unknown[], cb: unknown) =>
    deliver(bridge.call(CALL_OPS.platform, op, stringify(args)), cb);

  const subscribe = (topic: string): { ok: true } | { ok: false; message: string } => {
    if (typeof topic !== 'string') return { ok: false, message: 'topic must be a string' };
    if (subs.has(topic)) return { ok: true };
    const answer = bridge.call(CALL_OPS.subscribe, topic);
    if (!answer.ok) return answer;
    subs.set(topic, Number(answer.data));
    return { ok: true };
  };

  /** Removes and returns the first queued message of one of `ids`. */
  const take = (ids: ReadonlySet<number>): [number, string, string] | undefined => {
    for (let i = head; i < inbox.length; i++) {
      if (!ids.has(inbox[i][0])) continue;
      const msg = inbox[i];
      if (i === head) head++;
      else inbox.splice(i, 1);
      if (head > 1024 && head * 2 > inbox.length) {
        inbox.splice(0, head);
        head = 0;
      }
      return msg;
    }
    return undefined;
  };

  const messaging: Messaging = {
    publish(topic, payload, qos = 0, retain = false) {
      if (typeof topic !== 'string') throw new TypeError('publish: topic must be a string');
      const q = qos === 1 || qos === 2 ? qos : 0;
      const r = retain === true;
      if (payload instanceof ArrayBuffer || ArrayBuffer.isView(payload)) {
        bridge.publish(topic, binaryText(payload), q, r, true);
      } else {
        bridge.publish(topic, typeof payload === 'string' ? payload : toText(payload), q, r, false);
      }
    },
    subscribe(topic, cb) {
      const result = subscribe(topic);
      if (result.ok) {
        if (typeof cb === 'function') cb(false, null);
      } else if (typeof cb === 'function') cb(true, result.message);
      else throw new Error(result.message);
    },
    unsubscribe(topic, cb) {
      const id = subs.get(topic);
      subs.delete(topic);
      if (id === undefined) {
        if (typeof cb === 'function') cb(false, null);
        return;
      }
      deliver(bridge.call(CALL_OPS.unsubscribe, topic), cb, () => null);
    },
    waitForMessage(topics, cb) {
      const list = typeof topics === 'string' ? [topics] : Array.isArray(topics) ? topics : [];
      const ids = new Set<number>();
      for (const t of list) {
        const result = subscribe(t);
        if (!result.ok) return cb(true, result.message, String(t));
        ids.add(subs.get(t) as number);
      }
      if (ids.size === 0) return cb(true, 'waitForMessage needs at least one topic', '');
      for (;;) {
        const msg = take(ids);
        if (msg !== undefined) return cb(false, msg[2], msg[1]);
        const answer = bridge.call(CALL_OPS.wait, stringify([...ids]));
        if (!answer.ok) return cb(true, answer.message, '');
        const batch = decodeBatch(answer.data);
        for (let i = 0; i < batch.length; i++) inbox.push(batch[i]);
      }
    },
    getMessageHistory(topic, start, count, cb) {
      platform('history.get', [topic, start, count], cb);
    },
    getMessageHistoryWithTimeFrame(topic, count, last, start, stop, cb) {
      platform('history.getWithTimeFrame', [topic, count, last, start, stop], cb);
    },
    getAndDeleteMessageHistory(topic, count, last, start, stop, cb) {
      platform('history.getAndDelete', [topic, count, last, start, stop], cb);
    },
    getCurrentTopics(cb) {
      platform('history.currentTopics', [], cb);
    },
    setTimeout(ms, topic, data, cb) {
      platform('messaging.setTimeout', [ms, topic, typeof data === 'string' ? data : toText(data)], cb);
    },
    cancelCBTimeout(id, cb) {
      platform('messaging.cancel', [id], cb);
    },
    setInterval(ms, topic, data, iterations, cb) {
      platform(
        'messaging.setInterval',
        [ms, topic, typeof data === 'string' ? data : toText(data), iterations],
        cb,
      );
    },
    cancelCBInterval(id, cb) {
      platform('messaging.cancel', [id], cb);
    },
  };

  // Long-lived: no run may change the methods behind the next run's copy.
  for (const method of Object.values(messaging)) Object.freeze(method);
  return {
    Messaging: (...args: unknown[]) => {
      current ??= { ...messaging };
      const cb = lastCallback(args);
      if (cb !== undefined) cb(false, null);
      return current;
    },
    reset() {
      subs.clear();
      inbox = [];
      head = 0;
      current = undefined;
    },
  };
}
