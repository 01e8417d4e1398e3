// Counters of context lifecycles: how many contexts were built, how many runs each kind served and why warm
// contexts were replaced. Tests and benches read them (Engine.stats) instead of guessing from timing.

import type { ContextEvents, RecycleReason } from './sandbox.js';
import type { EngineStats } from './types.js';

/** Mutable counters behind Engine.stats(); sandboxes and the invoke pipeline report into them. */
export class ContextCounters implements ContextEvents {
  #built = 0;
  #warmRuns = 0;
  #strictRuns = 0;
  #batches = 0;
  #batchedRuns = 0;
  readonly #recycled: Record<RecycleReason, number> = { runs: 0, idle: 0, fault: 0, uncaught: 0, doubt: 0 };

  built(): void {
    this.#built++;
  }

  recycled(reason: RecycleReason): void {
    this.#recycled[reason]++;
  }

  /** A micro run started, in a warm context or a fresh one. */
  ran(warm: boolean): void {
    if (warm) this.#warmRuns++;
    else this.#strictRuns++;
  }

  /** A crossing carried `runs` runs of one version (engine.invokeBatch). */
  batched(runs: number): void {
    this.#batches++;
    this.#batchedRuns += runs;
  }

  /** A copy: later runs do not change what a caller already holds. */
  snapshot(): EngineStats {
    return {
      contextsBuilt: this.#built,
      warmRuns: this.#warmRuns,
      strictRuns: this.#strictRuns,
      batches: this.#batches,
      batchedRuns: this.#batchedRuns,
      recycled: { ...this.#recycled },
    };
  }
}
