// Run slots: how many micro-service runs may hold an isolate at once, shared fairly across systems.
// Without them one tenant could fill every isolate with runs that wait (sleep, waitForMessage, a slow
// execute) and another system's run would queue behind all of them. Each system and each service has a cap;
// a run over a cap, or with no slot free, waits in its system's queue; a freed slot goes to the waiting system
// that holds the fewest slots, the one served longest ago among equals (round-robin), so a flooding system
// gets a slot only in its turn. A system's queue is bounded: beyond it a run is refused at once with
// CB_ERR_SANDBOX_BUSY.

import { AsyncLocalStorage } from 'node:async_hooks';
import { IsobarError } from '../runtime-api/errors/index.js';
import type { Host, HostContext } from './types.js';

export interface RunSlotLimits {
  /** Runs holding an isolate at once across the engine (the pool's `maxIsolates`). */
  readonly total: number;
  /** Runs of one system at once. */
  readonly perSystem: number;
  /** Runs of one service (all versions) at once. */
  readonly perService: number;
  /** Runs waiting per system; beyond it a run is refused with CB_ERR_SANDBOX_BUSY. */
  readonly queuePerSystem: number;
}

/** One admitted run; give it back with `RunSlots.release` exactly once (later calls do nothing). */
export interface SlotTicket {
  readonly systemKey: string;
  readonly service: string;
  /** Set when borrowed from a run that waits in `Code().execute`: the admitted run whose slot it uses. */
  readonly root?: SlotTicket;
}

interface Waiter {
  readonly service: string;
  readonly resolve: (ticket: SlotTicket) => void;
  readonly reject: (err: unknown) => void;
}

/** Snapshot for tests, benches and operators. */
export interface SlotStats {
  readonly running: number;
  readonly waiting: number;
  readonly bySystem: Readonly<Record<string, { running: number; waiting: number }>>;
}

/** Admission of micro-service runs: per-system and per-service caps, a fair queue across systems. */
export class RunSlots {
  readonly #limits: RunSlotLimits;
  #running = 0;
  readonly #bySystem = new Map<string, number>();
  readonly #byService = new Map<string, number>();
  /** Waiting runs by system. */
  readonly #queues = new Map<string, Waiter[]>();
  /** When each system with runs running or waiting last got a slot (a counter): the round-robin turn. */
  readonly #lastServed = new Map<string, number>();
  #turn = 0;
  readonly #held = new WeakSet<SlotTicket>();
  #closed = false;

  constructor(limits: RunSlotLimits) {
    this.#limits = {
      total: Math.max(1, limits.total),
      perSystem: Math.max(1, limits.perSystem),
      perService: Math.max(1, limits.perService),
      queuePerSystem: Math.max(0, limits.queuePerSystem),
    };
  }

  /**
   * A slot for one run of `service` in `systemKey`; waits in the system's queue when over a cap. Rejects
   * CB_ERR_SANDBOX_BUSY when that queue is full, CB_ERR_SANDBOX_CLOSED once closed.
   */
  acquire(systemKey: string, service: string): Promise<SlotTicket> {
    if (this.#closed) return Promise.reject(new IsobarError('CB_ERR_SANDBOX_CLOSED'));
    const queue = this.#queues.get(systemKey) ?? [];
    if (queue.length === 0 && this.#running < this.#limits.total && this.#fits(systemKey, service)) {
      return Promise.resolve(this.#take(systemKey, service));
    }
    if (queue.length >= this.#limits.queuePerSystem) {
      return Promise.reject(
        new IsobarError('CB_ERR_SANDBOX_BUSY', { service, systemKey, limit: this.#limits.queuePerSystem }),
      );
    }
    return new Promise((resolve, reject) => {
      queue.push({ service, resolve, reject });
      if (!this.#queues.has(systemKey)) this.#queues.set(systemKey, queue);
      this.#dispatch();
    });
  }

  /**
   * A ticket for a run started by `parent` while `parent` waits for it (`Code().execute`): the parent's
   * isolate is blocked until the child ends, so the child uses the parent's slot. Queueing it instead would
   * deadlock a system whose slots are all held by parents waiting for their children.
   */
  borrow(parent: SlotTicket): SlotTicket | undefined {
    const root = parent.root ?? parent;
    if (!this.#held.has(root)) return undefined;
    return { systemKey: root.systemKey, service: root.service, root };
  }

  /** Gives a slot back and hands it to the next system in turn. */
  release(ticket: SlotTicket): void {
    if (!this.#held.delete(ticket)) return;
    this.#running--;
    decrement(this.#bySystem, ticket.systemKey);
    decrement(this.#byService, serviceKey(ticket.systemKey, ticket.service));
    if (!this.#bySystem.has(ticket.systemKey) && !this.#queues.has(ticket.systemKey))
      this.#lastServed.delete(ticket.systemKey);
    this.#dispatch();
  }

  /** Refuses every waiting run with CB_ERR_SANDBOX_CLOSED, and every later `acquire`. */
  close(): void {
    this.#closed = true;
    const queues = [...this.#queues.values()];
    this.#queues.clear();
    for (const q of queues) for (const w of q) w.reject(new IsobarError('CB_ERR_SANDBOX_CLOSED'));
  }

  stats(): SlotStats {
    const bySystem: Record<string, { running: number; waiting: number }> = {};
    for (const [k, n] of this.#bySystem) bySystem[k] = { running: n, waiting: 0 };
    let waiting = 0;
    for (const [k, q] of this.#queues) {
      bySystem[k] = { running: this.#bySystem.get(k) ?? 0, waiting: q.length };
      waiting += q.length;
    }
    return { running: this.#running, waiting, bySystem };
  }

  #fits(systemKey: string, service: string): boolean {
    return (
      (this.#bySystem.get(systemKey) ?? 0) < this.#limits.perSystem &&
      (this.#byService.get(serviceKey(systemKey, service)) ?? 0) < this.#limits.perService
    );
  }

  #take(systemKey: string, service: string): SlotTicket {
    const ticket: SlotTicket = { systemKey, service };
    this.#held.add(ticket);
    this.#running++;
    this.#bySystem.set(systemKey, (this.#bySystem.get(systemKey) ?? 0) + 1);
    this.#lastServed.set(systemKey, ++this.#turn);
    const sk = serviceKey(systemKey, service);
    this.#byService.set(sk, (this.#byService.get(sk) ?? 0) + 1);
    return ticket;
  }

  /**
   * Admits waiting runs while slots are free. Each slot goes to the system, among those with a run within
   * their caps, that holds the fewest slots, then the one served longest ago; it takes that system's oldest
   * such run (runs of one service stay in arrival order).
   */
  #dispatch(): void {
    while (this.#running < this.#limits.total) {
      let best: { systemKey: string; queue: Waiter[]; index: number; load: number; turn: number } | undefined;
      for (const [systemKey, queue] of this.#queues) {
        const load = this.#bySystem.get(systemKey) ?? 0;
        const turn = this.#lastServed.get(systemKey) ?? 0;
        if (best !== undefined && (load > best.load || (load === best.load && turn >= best.turn))) continue;
        const index = queue.findIndex((w) => this.#fits(systemKey, w.service));
        if (index >= 0) best = { systemKey, queue, index, load, turn };
      }
      if (best === undefined) return;
      const [waiter] = best.queue.splice(best.index, 1);
      if (best.queue.length === 0) this.#queues.delete(best.systemKey);
      waiter.resolve(this.#take(best.systemKey, waiter.service));
    }
  }
}

const serviceKey = (systemKey: string, service: string): string => `${systemKey}/${service}`;

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 0) - 1;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}

/** A `Code().execute` in progress: the first run it starts may borrow the caller's slot, once. */
interface ExecuteCall {
  readonly parent: HostContext;
  claimed: boolean;
}

/** Which run is calling `Code().execute`, carried through the platform's async calls back to `invoke`. */
export class ExecuteCalls {
  readonly #storage = new AsyncLocalStorage<ExecuteCall>();

  /** The host the bridge uses: `execute` marks its async context with the calling run. */
  wrap(host: Host): Host {
    return {
      publish: (ctx, topic, payload, qos, retain) => host.publish(ctx, topic, payload, qos, retain),
      subscribe: (ctx, filter, onMessage) => host.subscribe(ctx, filter, onMessage),
      execute: (ctx, name, params, logging) =>
        this.#storage.run({ parent: ctx, claimed: false }, () => host.execute(ctx, name, params, logging)),
      call: (ctx, op, args) => host.call(ctx, op, args),
      log: (ctx, line) => host.log(ctx, line),
    };
  }

  /**
   * The run waiting in the `execute` that leads to this invoke, once per execute: whatever else runs in that
   * async context later (a trigger fired by the child's publishes) is admitted normally.
   */
  claimParent(): HostContext | undefined {
    const call = this.#storage.getStore();
    if (call === undefined || call.claimed) return undefined;
    call.claimed = true;
    return call.parent;
  }
}
