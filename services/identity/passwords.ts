// Minimum password strength (DESIGN.md "Security model"; docs/security.md, registration and logins) for developers, users and device active keys, checked
// where a secret is set (registration, creation, password or key change), never at login: a stored
// weak password from before still logs in until it is changed.
import { IsobarError } from '../../runtime-api/errors/index.js';

/** The shortest secret accepted unless configured longer (ISOBAR_PASSWORD_MIN_LENGTH). */
export const DEFAULT_PASSWORD_MIN_LENGTH = 8;
/** The longest accepted: hashing is deliberately slow, a megabyte password would be a CPU lever. */
export const PASSWORD_MAX_LENGTH = 1024;

// The most guessed passwords of at least 8 characters (public breach-frequency lists), lower case. A
// password is refused when it is one of these once trailing digits and punctuation are taken off.
const COMMON = new Set([
  'password',
  'passw0rd',
  'p@ssword',
  'p@ssw0rd',
  'qwertyui',
  'qwertyuiop',
  'asdfghjk',
  'asdfghjkl',
  'zxcvbnm',
  'iloveyou',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'basketball',
  'superman',
  'batman',
  'welcome',
  'letmein',
  'changeme',
  'trustno',
  'admin',
  'administrator',
  'secret',
  'monkey',
  'dragon',
  'master',
  'shadow',
  'whatever',
  'starwars',
  'computer',
  'qwerty',
  'abc',
  'test',
  'default',
  'isobar',
  'clearblade',
  '1q2w3e4r',
  '1q2w3e4r5t',
  'zaq12wsx',
  '1qaz2wsx',
  'q1w2e3r4',
  'qazwsxedc',
]);

export interface PasswordRule {
  /** Field name in the error (`password`, `new_password`, `active_key`). */
  readonly field: string;
  readonly minLength: number;
  /** The account's own names (email, its local part, device name): a password equal to one is refused. */
  readonly names?: readonly string[];
}

/** True when every character steps by the same +1 or -1 from the one before (`12345678`, `hgfedcba`). */
function isRun(chars: readonly string[]): boolean {
  const codes = chars.map((c) => c.codePointAt(0) ?? 0);
  const step = codes[1] - codes[0];
  if (step !== 1 && step !== -1) return false;
  return codes.every((c, i) => i === 0 || c - codes[i - 1] === step);
}

/** Why `password` is too easy to guess, or undefined when it passes. */
function weakness(password: string, names: readonly string[] = []): string | undefined {
  const chars = [...password];
  if (new Set(chars.map((c) => c.toLowerCase())).size < 4) return 'fewer than 4 different characters';
  if (isRun(chars)) return 'a run of consecutive characters';
  const lower = password.toLowerCase();
  const stem = lower.replace(/[\d\s!?.,;:_\-+*#@$%&]+$/u, '');
  if (COMMON.has(lower) || COMMON.has(stem)) return 'one of the most common passwords';
  for (const name of names) {
    const n = name.trim().toLowerCase();
    if (n !== '' && (lower === n || stem === n)) return 'the account name';
  }
  return undefined;
}

/** Returns the password when strong enough; else a stable 400 (too short, too weak, not a string). */
export function checkPasswordStrength(password: unknown, rule: PasswordRule): string {
  if (typeof password !== 'string' || password === '') {
    throw new IsobarError('CB_ERR_IDENTITY_BAD_FIELD', { field: rule.field, detail: 'a non-empty string' });
  }
  const length = [...password].length;
  if (length < rule.minLength) {
    throw new IsobarError('CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', { field: rule.field, min: rule.minLength });
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw new IsobarError('CB_ERR_IDENTITY_BAD_FIELD', {
      field: rule.field,
      detail: `at most ${String(PASSWORD_MAX_LENGTH)} characters`,
    });
  }
  const why = weakness(password, rule.names);
  if (why !== undefined)
    throw new IsobarError('CB_ERR_IDENTITY_PASSWORD_WEAK', { field: rule.field, detail: why });
  return password;
}

/** The names a user's password may not equal: the email and its local part. */
export function emailNames(email: string): string[] {
  const at = email.indexOf('@');
  return at > 0 ? [email, email.slice(0, at)] : [email];
}
