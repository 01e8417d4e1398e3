// The subscriptions of one run (a stream instance): messages wait here, in arrival order, until
// waitForMessage takes every queued message of its topics in one crossing.
// A message that matches several of the run's subscriptions is queued ONCE (the host hands the same
// message object to each subscription; without one, an identical tail entry is taken as the same message)
// and counted once against the run's budget, bounded in messages and in characters; overflow drops the
// oldest, counted and logged. 256 subscriptions matching one 1 MB message hold 1 MB here, not 256 MB.

import { encodeBatch } from '../runtime-api/sandbox-protocol.js';

interface Subscription {
  readonly filter: string;
  dropped: number;
}

/** One queued message and the subscriptions that have not had it yet. */
interface Entry {
  readonly topic: string;
  readonly payload: string;
  readonly size: number;
  subs: number[];
  queued: boolean;
}

interface Waiter {
  readonly ids: ReadonlySet<number>;
  readonly resolve: (batch: string) => void;
}

/** What a run holds outside its isolate in queued messages (RunningInstance.buffered). */
export interface BufferStats {
  /** Messages queued, each counted once however many subscriptions it matched. */
  readonly messages: number;
  /** Characters of their topics and payloads. */
  readonly bytes: number;
  /** Messages dropped since the run began (buffer full). */
  readonly dropped: number;
}

/** Bounds of one run's buffer. */
export interface BufferLimits {
  readonly maxMessages: number;
  readonly maxBytes: number;
}

/** Per-run message buffer and the one waiter (the isolate blocks in at most one wait at a time). */
export class RunSubscriptions {
  readonly #limits: BufferLimits;
  readonly #onDrop: (filter: string, dropped: number) => void;
  readonly #subs = new Map<number, Subscription>();
  readonly #byFilter = new Map<string, number>();
  readonly #unsubscribes = new Map<number, () => Promise<void>>();
  /** Entries by the host's message object, so a message matching many subscriptions is queued once. */
  readonly #byMessage = new WeakMap<object, Entry>();
  #queue: Entry[] = [];
  #bytes = 0;
  #dropped = 0;
  #waiter: Waiter | undefined;
  #nextId = 1;
  #closed = false;

  constructor(limits: BufferLimits, onDrop: (filter: string, dropped: number) => void) {
    this.#limits = limits;
    this.#onDrop = onDrop;
  }

  get size(): number {
    return this.#subs.size;
  }

  /** What the buffer holds now: the run's budget outside its heap. */
  get stats(): BufferStats {
    return { messages: this.#queue.length, bytes: this.#bytes, dropped: this.#dropped };
  }

  /** The id of `filter`, if subscribed. */
  idOf(filter: string): number | undefined {
    return this.#byFilter.get(filter);
  }

  /**
   * Registers a subscription and returns the sink its messages go to, plus its id. `message` identifies
   * one published message across subscriptions (the host passes the same object to each).
   */
  add(filter: string): { id: number; onMessage: (topic: string, payload: string, message?: object) => void } {
    const id = this.#nextId++;
    this.#subs.set(id, { filter, dropped: 0 });
    this.#byFilter.set(filter, id);
    return { id, onMessage: (topic, payload, message) => this.#push(id, topic, payload, message) };
  }

  /** Attaches the host's unsubscribe once the host has accepted the subscription. */
  attach(id: number, unsubscribe: () => Promise<void>): void {
    if (!this.#subs.has(id) || this.#closed) void unsubscribe().catch(() => {});
    else this.#unsubscribes.set(id, unsubscribe);
  }

  /** Forgets a subscription and the messages queued only for it; returns the host's unsubscribe. */
  remove(filter: string): (() => Promise<void>) | undefined {
    const id = this.#byFilter.get(filter);
    if (id === undefined) return undefined;
    this.#byFilter.delete(filter);
    this.#subs.delete(id);
    const unsubscribe = this.#unsubscribes.get(id);
    this.#unsubscribes.delete(id);
    const rest: Entry[] = [];
    for (const e of this.#queue) {
      if (e.subs.includes(id)) e.subs = e.subs.filter((s) => s !== id);
      if (e.subs.length > 0) rest.push(e);
      else this.#unqueue(e);
    }
    this.#queue = rest;
    return unsubscribe;
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
    this.interrupt();
    const unsubscribes = [...this.#unsubscribes.values()];
    this.#unsubscribes.clear();
    this.#subs.clear();
    this.#byFilter.clear();
    for (const e of this.#queue) e.queued = false;
    this.#queue = [];
    this.#bytes = 0;
    await Promise.all(unsubscribes.map((u) => u().catch(() => {})));
  }

  #push(id: number, topic: string, payload: string, message: object | undefined): void {
    if (this.#closed || !this.#subs.has(id)) return;
    const same = this.#sameMessage(id, topic, payload, message);
    if (same !== undefined) {
      same.subs.push(id);
    } else {
      const size = topic.length + payload.length;
      if (size > this.#limits.maxBytes) return this.#drop(id);
      while (
        this.#queue.length > 0 &&
        (this.#queue.length >= this.#limits.maxMessages || this.#bytes + size > this.#limits.maxBytes)
      ) {
        const oldest = this.#queue.shift();
        if (oldest === undefined) break;
        this.#unqueue(oldest);
        for (const s of oldest.subs) this.#drop(s);
      }
      const entry: Entry = { topic, payload, size, subs: [id], queued: true };
      this.#queue.push(entry);
      this.#bytes += size;
      if (message !== undefined) this.#byMessage.set(message, entry);
    }
    const waiter = this.#waiter;
    if (waiter !== undefined && waiter.ids.has(id)) {
      this.#waiter = undefined;
      waiter.resolve(this.#take(waiter.ids) ?? encodeBatch([]));
    }
  }

  /** The queued entry this delivery is another copy of: same host message, or an identical newest entry. */
  #sameMessage(id: number, topic: string, payload: string, message: object | undefined): Entry | undefined {
    let entry: Entry | undefined;
    if (message !== undefined) entry = this.#byMessage.get(message);
    else {
      const last = this.#queue[this.#queue.length - 1];
      // A subscription gets each message at most once, so one already listed means a new message.
      if (last !== undefined && last.topic === topic && last.payload === payload) entry = last;
    }
    if (entry === undefined || !entry.queued || entry.subs.includes(id)) return undefined;
    return entry;
  }

  #unqueue(entry: Entry): void {
    entry.queued = false;
    this.#bytes -= entry.size;
  }

  #drop(id: number): void {
    this.#dropped++;
    const sub = this.#subs.get(id);
    if (sub === undefined) return;
    sub.dropped++;
    if (sub.dropped === 1 || sub.dropped % 1000 === 0) this.#onDrop(sub.filter, sub.dropped);
  }

  /** Each entry with a subscription in `ids` crosses once; it stays for its other subscriptions. */
  #take(ids: ReadonlySet<number>): string | undefined {
    if (this.#queue.length === 0) return undefined;
    const taken: Array<[number, string, string]> = [];
    const rest: Entry[] = [];
    for (const e of this.#queue) {
      const first = e.subs.find((s) => ids.has(s));
      if (first === undefined) {
        rest.push(e);
        continue;
      }
      taken.push([first, e.topic, e.payload]);
      e.subs = e.subs.length === 1 ? [] : e.subs.filter((s) => !ids.has(s));
      if (e.subs.length > 0) rest.push(e);
      else this.#unqueue(e);
    }
    if (taken.length === 0) return undefined;
    this.#queue = rest;
    return encodeBatch(taken);
  }
}
