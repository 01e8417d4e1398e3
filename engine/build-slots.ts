// Context builds share a few slots across the whole engine. isolated-vm runs isolate tasks on a pool of
// cores + 1 threads and starts a new thread for each task beyond that: unbounded background builds (one reserve
// per warm isolate) would crowd out the runs and pay for a thread per task. A build a run waits for goes first.

/** Runs at most `slots` background tasks at a time; urgent ones are started before the rest. */
export class BuildSlots {
  #free: number;
  readonly #urgent: Array<() => void> = [];
  readonly #later: Array<() => void> = [];

  constructor(slots: number) {
    this.#free = Math.max(1, slots);
  }

  /** Runs `task` once a slot is free. */
  run<T>(urgent: boolean, task: () => Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      const start = () => {
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
      } else {
        (urgent ? this.#urgent : this.#later).push(start);
      }
    });
  }

  #next(): void {
    const start = this.#urgent.shift() ?? this.#later.shift();
    if (start === undefined) this.#free++;
    else start();
  }
}
