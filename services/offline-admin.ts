// Account repair on a stopped platform's data dir (`isobar admin reset-password`): the way back in for
// an owner who lost the first-start password. It writes the store directly, so it must run only while
// no platform holds the data dir (the CLI takes the data-dir lock first): a running platform answers
// logins from its memory and would not see the change. With PostgreSQL (`store.databaseUrl`) the lock
// guards only this host's data dir: every node of a cluster must be stopped first.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { IsobarError } from '../runtime-api/errors/index.js';
import type { Clock } from './kernel/clock.js';
import { systemClock } from './kernel/clock.js';
import { checkPasswordStrength, emailNames } from './identity/passwords.js';
import { hashSecret, newPassword } from './identity/secrets.js';
import { createStore } from './store/index.js';

export interface ResetPasswordInput {
  readonly dataDir: string;
  /** postgres://… when the platform's data is on PostgreSQL (config `store.databaseUrl`). */
  readonly databaseUrl?: string;
  /** The developer to reset; may be left out when the data dir holds exactly one. */
  readonly email?: string;
  /** The new password; undefined: one is generated (and returned, to be shown once). */
  readonly password?: string;
  readonly passwordMinLength: number;
  readonly clock?: Clock;
}

export interface ResetPasswordResult {
  readonly email: string;
  /** Set only when generated. */
  readonly generatedPassword: string | undefined;
  /** Sessions (developer tokens) ended by the reset. */
  readonly revokedTokens: number;
}

/**
 * Sets a developer's password and revokes that developer's tokens: whoever held the old password or a
 * token made with it is out. Never creates a data dir or a database: a wrong path is an error.
 */
export async function resetDeveloperPassword(input: ResetPasswordInput): Promise<ResetPasswordResult> {
  const clock = input.clock ?? systemClock;
  const wanted = input.email?.trim();
  if (!storeExists(input.dataDir, input.databaseUrl)) {
    throw new IsobarError('CB_ERR_ADMIN_NO_DEVELOPER', { email: wanted ?? 'account', dir: input.dataDir });
  }
  const store = await createStore({ dataDir: input.dataDir, databaseUrl: input.databaseUrl });
  try {
    let query = store.db.selectFrom('developers').select(['id', 'email']);
    if (wanted !== undefined) query = query.where('email', '=', wanted);
    const found = await query.limit(2).execute();
    if (found.length === 0) {
      throw new IsobarError('CB_ERR_ADMIN_NO_DEVELOPER', { email: wanted ?? 'account', dir: input.dataDir });
    }
    if (found.length > 1) {
      const row = await store.db
        .selectFrom('developers')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      throw new IsobarError('CB_ERR_ADMIN_EMAIL_REQUIRED', { dir: input.dataDir, count: Number(row.n) });
    }
    const developer = found[0];
    const generatedPassword = input.password === undefined ? newPassword() : undefined;
    const password = checkPasswordStrength(input.password ?? generatedPassword, {
      field: 'password',
      minLength: input.passwordMinLength,
      names: emailNames(developer.email),
    });
    const hash = await hashSecret(password);
    const now = clock.now();
    const revoked = await store.transaction(async (trx) => {
      await trx
        .updateTable('developers')
        .set({ password_hash: hash })
        .where('id', '=', developer.id)
        .execute();
      const result = await trx
        .updateTable('tokens')
        .set({ revoked_at: now })
        .where('kind', '=', 'developer')
        .where('subject_id', '=', developer.id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    });
    return { email: developer.email, generatedPassword, revokedTokens: revoked };
  } finally {
    await store.close();
  }
}

/**
 * Whether there is a platform's data to repair: the SQLite file, or with PostgreSQL (whose database the
 * store opens or refuses by itself) the data dir a node ran on. Neither is ever created here.
 */
export function storeExists(dataDir: string, databaseUrl: string | undefined): boolean {
  return databaseUrl === undefined || databaseUrl === ''
    ? existsSync(join(dataDir, 'isobar.db'))
    : existsSync(dataDir);
}
