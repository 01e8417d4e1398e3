// Loop prevention for the relay. When the relay itself publishes a message onto a broker (a message that
// came from the other side), the broker reports that publish back through its `published` event like any
// other; the relay must recognise it and not send it on again. An echo guard remembers what the relay is
// about to publish (system, topic and payload bytes) and swallows the first matching report.

export interface EchoGuard {
  /** Remembers a publish the relay is about to make. */
  expect(systemKey: string, topic: string, payload: Buffer): void;
  /** True (and forgotten) when this reported publish is one the relay made. */
  isEcho(systemKey: string, topic: string, payload: Buffer): boolean;
  /** Number of publishes still expected (for tests and leak checks). */
  readonly pending: number;
}

/**
 * Creates a guard holding at most `limit` expected echoes; past it the oldest is forgotten (a broker that
 * never reports a publish must not grow it without bound).
 */
export function createEchoGuard(limit = 10000): EchoGuard {
  const expected = new Map<string, Buffer[]>();
  const order: Array<{ key: string; payload: Buffer }> = [];
  let pending = 0;
  const forget = (k: string, payload: Buffer) => {
    const list = expected.get(k);
    if (list === undefined) return;
    const i = list.indexOf(payload);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) expected.delete(k);
    pending--;
  };
  return {
    expect(systemKey, topic, payload) {
      const k = `${systemKey}\u0000${topic}`;
      const list = expected.get(k);
      if (list === undefined) expected.set(k, [payload]);
      else list.push(payload);
      order.push({ key: k, payload });
      pending++;
      while (pending > limit) {
        const oldest = order.shift();
        if (oldest === undefined) break;
        forget(oldest.key, oldest.payload);
      }
      if (order.length > limit * 2) {
        const live = order.filter((o) => expected.get(o.key)?.includes(o.payload) === true);
        order.splice(0, order.length, ...live);
      }
    },
    isEcho(systemKey, topic, payload) {
      const k = `${systemKey}\u0000${topic}`;
      const list = expected.get(k);
      if (list === undefined) return false;
      const i = list.findIndex((p) => p === payload || p.equals(payload));
      if (i < 0) return false;
      const [p] = list.splice(i, 1);
      if (list.length === 0) expected.delete(k);
      pending--;
      const j = order.findIndex((o) => o.payload === p);
      if (j >= 0) order.splice(j, 1);
      return true;
    },
    get pending() {
      return pending;
    },
  };
}
