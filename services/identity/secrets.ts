// Generation and hashing of every secret identity hands out or checks: tokens, passwords, device keys,
// system keys. Nothing here touches the store.
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const SCRYPT: ScryptOptions = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

function scryptAsync(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, options, (err, key) => (err === null ? resolve(key) : reject(err)));
  });
}

/** A new opaque token: 61 random bytes as URL-safe base64 with padding (84 chars ending `==`, as ClearBlade's). */
export function newToken(): string {
  return randomBytes(61).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** The only form in which a token is stored: its sha256, hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new lowercase hex id of `bytes` random bytes (user ids, role ids, developer ids). */
export function newHexId(bytes = 15): string {
  return randomBytes(bytes).toString('hex');
}

/** A new system key (30 lowercase hex) and secret (30 uppercase hex), shaped like ClearBlade's. */
export function newSystemCredentials(): { systemKey: string; systemSecret: string } {
  return { systemKey: newHexId(15), systemSecret: newHexId(15).toUpperCase() };
}

/** Hashes a password or device key with scrypt: `scrypt$N$r$p$salt$hash` (base64 parts). */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Checks `secret` against a `hashSecret` result in constant time; false for malformed hashes. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts;
  const expected = Buffer.from(hash, 'base64');
  const key = await scryptAsync(secret, Buffer.from(salt, 'base64'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash that never verifies, checked when the account is unknown so timing does not reveal it. */
export const UNUSABLE_HASH = `scrypt$16384$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

/** A readable random password for a generated first developer. */
export function newPassword(): string {
  return randomBytes(12).toString('base64url');
}
