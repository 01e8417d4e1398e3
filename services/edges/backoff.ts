// Reconnect delays for the uplink: exponential, capped, reset after a successful connection.

export interface BackoffOptions {
  /** First delay, ms (default 500). */
  readonly initialMs?: number;
  /** Longest delay, ms (default 30000). */
  readonly maxMs?: number;
  /** Growth per failed attempt (default 2). */
  readonly factor?: number;
}

export interface Backoff {
  /** The delay before the next attempt; each call counts one more failure. */
  next(): number;
  /** Back to the initial delay (after a connection succeeded). */
  reset(): void;
  readonly attempts: number;
}

/** Creates a deterministic exponential backoff (tests drive it with a manual clock). */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const initial = options.initialMs ?? 500;
  const max = options.maxMs ?? 30000;
  const factor = options.factor ?? 2;
  let attempts = 0;
  return {
    next() {
      const delay = Math.min(max, initial * factor ** attempts);
      attempts++;
      return delay;
    },
    reset() {
      attempts = 0;
    },
    get attempts() {
      return attempts;
    },
  };
}
