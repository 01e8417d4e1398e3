// Context builds share slots across the whole engine, and a build a run waits for goes before reserve
// top-ups. isolated-vm runs isolate tasks on cores + 1 pool threads (more start a thread each), so many warm
// isolates refilling their reserves at once must not delay the build a run is waiting for. Measured: 2 slots
// starve runs under load (workflow bench 2,000 msg/s: 5,372 of 10,000 delivered vs 10,000 with no limit), so
// the default (16) only stops a pathological pile-up.

/** Runs at most `slots` background tasks at a time; urgent ones are started before the rest. */
export class BuildSlots {
  #free: number;
  readonly #urgent: Array<() => void> = [];
  readonly #later: Array<() => void> = [];
  /** The start of each queued background task, by task: `hurry` moves it up when a run comes to wait for it. */
  readonly #queued = new Map<() => Promise<unknown>, () => void>();

  constructor(slots: number) {
    this.#free = Math.max(1, slots);
  }

  /** Runs `task` once a slot is free. */
  run<T>(urgent: boolean, task: () => Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      const start = () => {
        this.#queued.delete(task);
        let p: Promise<T>;
        try {
          p = task();
        } catch (err) {
          p = Promise.reject(err);
        }
        p.then(resolve, reject).finally(() => this.#next());
      };
      if (this.#free > 0) {
        this.#free--;
        start();
      } else if (urgent) {
        this.#urgent.push(start);
      } else {
        this.#queued.set(task, start);
        this.#later.push(start);
      }
    });
  }

  /** A run now waits for `task`, queued as a background one: it starts before the other background tasks. */
  hurry(task: () => Promise<unknown>): void {
    const start = this.#queued.get(task);
    if (start === undefined) return; // already started (or finished)
    this.#queued.delete(task);
    const i = this.#later.indexOf(start);
    if (i >= 0) this.#later.splice(i, 1);
    this.#urgent.push(start);
  }

  #next(): void {
    const start = this.#urgent.shift() ?? this.#later.shift();
    if (start === undefined) this.#free++;
    else start();
  }
}
