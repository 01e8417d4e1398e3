// The hop rule for services that react to messages they subscribed to (stream services, and micro runs
// that wait for a message): a publish made after receiving messages carries the deepest hop among them + 1,
// so a stream that answers its own `$trigger/messaging/publish` events (or its own topic) walks down the
// chain like a trigger service does and stops at the hop limit (DESIGN.md "Triggers and timers"). A trigger run carries
// its hop in the invocation; a subscription has no invocation per message, so the host tells us here.

/** Per-run hop bookkeeping, keyed by the engine's run context object (one per run / stream instance). */
export interface HopCarry {
  /** A message at `hop` was handed to the run's subscriptions. */
  received(run: object, hop: number): void;
  /** The hop a publish by `run` carries; `base` is the run's own invocation hop. */
  publishHop(run: object, base: number): number;
}

interface RunHops {
  /** Deepest hop received since the run last published; -1 = none. */
  pending: number;
  /** The hop the run's publishes react at (the deepest batch it received before its latest publish). */
  current: number;
}

/**
 * Builds the carry. Deliberately conservative: a publish is attributed to the deepest message received
 * since the previous publish, and later publishes with nothing new received keep that depth, so an
 * unrelated device message arriving in between cannot reset a loop's count.
 */
export function createHopCarry(): HopCarry {
  const runs = new WeakMap<object, RunHops>();
  return {
    received(run, hop) {
      const state = runs.get(run);
      if (state === undefined) runs.set(run, { pending: hop, current: 0 });
      else if (hop > state.pending) state.pending = hop;
    },
    publishHop(run, base) {
      const state = runs.get(run);
      if (state === undefined) return base + 1;
      if (state.pending >= 0) {
        state.current = state.pending;
        state.pending = -1;
      }
      return Math.max(base, state.current) + 1;
    },
  };
}
