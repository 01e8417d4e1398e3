// Password-guessing throttle (DESIGN.md "Security model": login paths are throttled). Every login path (developer, user and device over REST,
// auth over MQTT, a user's old password on a password change, a registration key) counts its failures
// per account and per client address in a leaky bucket: `limit` failures fill it, and it drains at
// `limit` per window, so after a burst one more guess is allowed every `window / limit`. A full bucket
// refuses the attempt before any hash is computed (CB_ERR_AUTH_THROTTLED, with the seconds to wait).
// Successful logins add nothing and empty their account's bucket. In-flight attempts count at once, so
// a thousand parallel guesses cannot all slip in before the first failure is recorded.
import { IsobarError, isIsobarError } from '../../runtime-api/errors/index.js';
import type { Clock } from '../kernel/clock.js';

export interface LoginThrottleOptions {
  /** Failures allowed per account per window; 0 turns the per-account limit off. */
  readonly accountFailures: number;
  /** Failures allowed per client address (IPv6: per /64) per window; 0 turns it off. */
  readonly addressFailures: number;
  /** The window, ms. */
  readonly windowMs: number;
  /** Most buckets kept; the least recently touched go first beyond it (bounded memory). */
  readonly maxEntries?: number;
}

/** Who is trying: an account key (see `accountKey`) and the client's address when known. */
export interface LoginAttempt {
  readonly account?: string;
  readonly address?: string;
}

export interface LoginThrottle {
  /**
   * Runs one guess: refuses it when a bucket is full, counts it while it runs, keeps it counted when
   * `fn` throws CB_ERR_AUTH_BAD_CREDENTIALS (or another code in `failures`), refunds it otherwise.
   */
  guard<T>(attempt: LoginAttempt, fn: () => Promise<T>, failures?: readonly string[]): Promise<T>;
  /** Buckets held now (tests, metrics). */
  readonly size: number;
}

interface Bucket {
  level: number;
  at: number;
}

const DEFAULT_MAX_ENTRIES = 100_000;

/** The account part of a throttle key; emails compare case-insensitively so case variants share a bucket. */
export function accountKey(kind: 'developer' | 'user' | 'device', systemKey: string, name: string): string {
  const n = kind === 'device' ? name : name.trim().toLowerCase();
  return `${kind}\u0000${systemKey}\u0000${n}`;
}

/** The address part: IPv4 as is (also when IPv4-mapped), IPv6 by its /64, since one host holds a whole /64. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1];
  if (!address.includes(':')) return address;
  const [head, tail = ''] = address.split('%')[0].split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** Creates the throttle; its state is this process's memory (each node of a cluster counts on its own). */
export function createLoginThrottle(options: LoginThrottleOptions, clock: Clock): LoginThrottle {
  const max = Math.max(16, options.maxEntries ?? DEFAULT_MAX_ENTRIES);
  const buckets = new Map<string, Bucket>();

  const limitOf = (key: string): number =>
    key.startsWith('addr\u0000') ? options.addressFailures : options.accountFailures;
  /** The bucket's level now, after draining since its last update. */
  const levelOf = (key: string, now: number): number => {
    const b = buckets.get(key);
    if (b === undefined) return 0;
    const limit = limitOf(key);
    const drained = ((now - b.at) * limit) / options.windowMs;
    return Math.max(0, b.level - drained);
  };
  const set = (key: string, level: number, now: number): void => {
    buckets.delete(key); // re-inserted last: Map order is least recently touched first
    if (level <= 0) return;
    buckets.set(key, { level, at: now });
    trim(now);
  };
  /** Drops drained buckets at the old end, then the oldest tenth when still over the bound. */
  const trim = (now: number): void => {
    for (const key of buckets.keys()) {
      if (levelOf(key, now) > 0) break;
      buckets.delete(key);
    }
    if (buckets.size <= max) return;
    let drop = Math.ceil(max / 10);
    for (const key of buckets.keys()) {
      if (drop-- <= 0) break;
      buckets.delete(key);
    }
  };
  const keysOf = (attempt: LoginAttempt): string[] => {
    const keys: string[] = [];
    if (attempt.account !== undefined && options.accountFailures > 0)
      keys.push(`acct\u0000${attempt.account}`);
    if (attempt.address !== undefined && attempt.address !== '' && options.addressFailures > 0)
      keys.push(`addr\u0000${addressKey(attempt.address)}`);
    return keys;
  };

  return {
    async guard(attempt, fn, failures = ['CB_ERR_AUTH_BAD_CREDENTIALS']) {
      const keys = keysOf(attempt);
      const now = clock.now();
      let wait = 0;
      for (const key of keys) {
        const limit = limitOf(key);
        const level = levelOf(key, now);
        // One more guess fits while the level is at most limit - 1; beyond, wait for it to drain.
        if (level > limit - 1) wait = Math.max(wait, ((level - (limit - 1)) * options.windowMs) / limit);
      }
      if (wait > 0) throw new IsobarError('CB_ERR_AUTH_THROTTLED', { retryAfter: Math.ceil(wait / 1000) });
      for (const key of keys) set(key, levelOf(key, now) + 1, now);
      const settle = (kept: boolean, success: boolean) => {
        const at = clock.now();
        for (const key of keys) {
          if (kept) continue;
          // A success empties its account's bucket; the address keeps the failures it saw.
          set(key, success && key.startsWith('acct\u0000') ? 0 : levelOf(key, at) - 1, at);
        }
      };
      try {
        const result = await fn();
        settle(false, true);
        return result;
      } catch (err) {
        settle(isIsobarError(err) && failures.includes(err.code), false);
        throw err;
      }
    },
    get size() {
      return buckets.size;
    },
  };
}
