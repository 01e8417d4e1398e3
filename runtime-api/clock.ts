/** Time source injected into everything time-dependent (token expiry, timers, backoff, retention). */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** Resolves true when `step` settles (either way) within `ms` of `clock`, false when it does not (it is then left behind). */
export function settlesWithin(step: Promise<unknown>, ms: number, clock: Clock): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = clock.setTimer(ms, () => resolve(false));
    step.then(
      () => (cancel(), resolve(true)),
      () => (cancel(), resolve(true)),
    );
  });
}
