// The subscriptions of one run: messages wait here, in arrival order, until waitForMessage takes every
// queued message of its topics in one crossing. Bounded per subscription; overflow drops the oldest.

import { encodeBatch } from '../runtime-api/sandbox-protocol.js';

interface Subscription {
  readonly filter: string;
  queued: number;
  dropped: number;
  unsubscribe?: () => Promise<void>;
}

interface Waiter {
  readonly ids: ReadonlySet<number>;
  readonly resolve: (batch: string) => void;
}

/** Per-run message buffer and the one waiter (the isolate blocks in at most one wait at a time). */
export class RunSubscriptions {
  readonly #max: number;
  readonly #onDrop: (filter: string, dropped: number) => void;
  readonly #subs = new Map<number, Subscription>();
  readonly #byFilter = new Map<string, number>();
  #queue: Array<[number, string, string]> = [];
  #waiter: Waiter | undefined;
  #nextId = 1;
  #closed = false;

  constructor(maxBuffered: number, onDrop: (filter: string, dropped: number) => void) {
    this.#max = maxBuffered;
    this.#onDrop = onDrop;
  }

  get size(): number {
    return this.#subs.size;
  }

  /** The id of `filter`, if subscribed. */
  idOf(filter: string): number | undefined {
    return this.#byFilter.get(filter);
  }

  /** Registers a subscription and returns the sink its messages go to, plus its id. */
  add(filter: string): { id: number; onMessage: (topic: string, payload: string) => void } {
    const id = this.#nextId++;
    const sub: Subscription = { filter, queued: 0, dropped: 0 };
    this.#subs.set(id, sub);
    this.#byFilter.set(filter, id);
    return { id, onMessage: (topic, payload) => this.#push(id, sub, topic, payload) };
  }

  /** Attaches the host's unsubscribe once the host has accepted the subscription. */
  attach(id: number, unsubscribe: () => Promise<void>): void {
    const sub = this.#subs.get(id);
    if (sub === undefined || this.#closed) void unsubscribe().catch(() => {});
    else sub.unsubscribe = unsubscribe;
  }

  /** Forgets a subscription and its queued messages; returns the host's unsubscribe. */
  remove(filter: string): (() => Promise<void>) | undefined {
    const id = this.#byFilter.get(filter);
    if (id === undefined) return undefined;
    const sub = this.#subs.get(id);
    this.#byFilter.delete(filter);
    this.#subs.delete(id);
    if (sub !== undefined && sub.queued > 0) this.#queue = this.#queue.filter((m) => m[0] !== id);
    return sub?.unsubscribe;
  }

  /** Every queued message of `ids` now, or the first ones to arrive. */
  wait(ids: ReadonlySet<number>): Promise<string> {
    const ready = this.#take(ids);
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.#closed) return Promise.reject(new Error('run ended'));
    return new Promise((resolve) => {
      this.#waiter = { ids, resolve };
    });
  }

  /** Releases a waiting isolate with an empty batch (the run is being killed). */
  interrupt(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve(encodeBatch([]));
  }

  /** Unsubscribes everything; a waiting isolate is released with an empty batch. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve(encodeBatch([]));
    const subs = [...this.#subs.values()];
    this.#subs.clear();
    this.#byFilter.clear();
    this.#queue = [];
    await Promise.all(subs.map((s) => s.unsubscribe?.().catch(() => {})));
  }

  #push(id: number, sub: Subscription, topic: string, payload: string): void {
    if (this.#closed || !this.#subs.has(id)) return;
    if (sub.queued >= this.#max) {
      const oldest = this.#queue.findIndex((m) => m[0] === id);
      if (oldest >= 0) this.#queue.splice(oldest, 1);
      sub.queued--;
      sub.dropped++;
      if (sub.dropped === 1 || sub.dropped % 1000 === 0) this.#onDrop(sub.filter, sub.dropped);
    }
    this.#queue.push([id, topic, payload]);
    sub.queued++;
    const waiter = this.#waiter;
    if (waiter !== undefined && waiter.ids.has(id)) {
      this.#waiter = undefined;
      waiter.resolve(this.#take(waiter.ids) ?? encodeBatch([]));
    }
  }

  #take(ids: ReadonlySet<number>): string | undefined {
    if (this.#queue.length === 0) return undefined;
    let taken: Array<[number, string, string]>;
    if (this.#queue.every((m) => ids.has(m[0]))) {
      taken = this.#queue;
      this.#queue = [];
    } else {
      taken = [];
      const rest: Array<[number, string, string]> = [];
      for (const m of this.#queue) (ids.has(m[0]) ? taken : rest).push(m);
      if (taken.length === 0) return undefined;
      this.#queue = rest;
    }
    for (const m of taken) {
      const sub = this.#subs.get(m[0]);
      if (sub !== undefined) sub.queued--;
    }
    return encodeBatch(taken);
  }
}
