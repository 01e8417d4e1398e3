// What every identity module works with; built once by createIdentity.
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Clock } from '../kernel/clock.js';
import type { PlatformEvents } from '../kernel/events.js';
import type { Log } from '../kernel/log.js';
import type { Store } from '../store/index.js';
import type { IdentityCache } from './cache.js';
import { checkPasswordStrength, DEFAULT_PASSWORD_MIN_LENGTH } from './passwords.js';
import type { LoginThrottle } from './throttle.js';
import type { SystemInfo } from './types.js';

export interface IdentityConfig {
  /** Developer token lifetime, seconds. */
  readonly devTokenTtl: number;
  /** `token_ttl` of new systems, seconds. */
  readonly defaultTokenTtl: number;
  /** Anyone may register a developer without a registration key (a lab); default false. */
  readonly openRegistration?: boolean;
  /** Shortest password or device key accepted where one is set; default 8. */
  readonly passwordMinLength?: number;
  /** Failed logins allowed per account per window (0 = no limit); default 10. */
  readonly loginAccountFailures?: number;
  /** Failed logins allowed per client address per window (0 = no limit); default 50. */
  readonly loginAddressFailures?: number;
  /** The login-throttle window, seconds; default 300. */
  readonly loginWindow?: number;
}

/**
 * Cluster mode (services/cluster/feed.ts): told after each commit so the other nodes reload. The embedded
 * default passes none.
 */
export interface IdentityChanges {
  /** Something cached for `systemKey` ('*': systems or developers) changed and is committed. */
  changed(systemKey: string): void;
  /** These token hashes were revoked here. */
  revoked(hashes: readonly string[]): void;
}

export interface IdentityContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Log;
  readonly events: PlatformEvents;
  readonly config: IdentityConfig;
  readonly cache: IdentityCache;
  readonly throttle: LoginThrottle;
  readonly changes?: IdentityChanges;
}

/**
 * A new secret (a password or a device's active key) checked against the strength rule at the configured
 * minimum length; `names` are the account's own names, refused as secrets. Answers the secret.
 */
export function checkNewSecret(
  ctx: IdentityContext,
  secret: unknown,
  field: string,
  names: readonly string[],
): string {
  return checkPasswordStrength(secret, {
    field,
    minLength: ctx.config.passwordMinLength ?? DEFAULT_PASSWORD_MIN_LENGTH,
    names,
  });
}

export { refusingDuplicates } from '../store/dialect.js';

/** Parses a stored JSON object column; anything else reads as `{}`. */
export function parseObject(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The cached system, or CB_ERR_SYSTEM_UNKNOWN. */
export function requireSystem(ctx: IdentityContext, systemKey: string): SystemInfo {
  const system = ctx.cache.systems.get(systemKey);
  if (system === undefined) throw new IsobarError('CB_ERR_SYSTEM_UNKNOWN', { systemKey });
  return system;
}

/** Refuses custom columns that would shadow a fixed one. */
export function checkCustom(custom: Readonly<Record<string, unknown>>, reserved: readonly string[]): void {
  for (const key of Object.keys(custom)) {
    if (reserved.includes(key)) {
      throw new IsobarError('CB_ERR_IDENTITY_BAD_FIELD', { field: key, detail: 'is not a custom column' });
    }
  }
}
