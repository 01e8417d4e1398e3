// Who may register a developer (docs/security.md, registration and logins). Closed by default: `/admin/reg` needs the registration
// key (ClearBlade's `key` field) that an existing developer set, unless the platform runs with
// ISOBAR_OPEN_REGISTRATION for a lab. The key is stored only as its sha256, shown once when it is set,
// and replaced or removed by any developer. First start creates the first developer without it.
import { createHash, timingSafeEqual } from 'node:crypto';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { IdentityContext } from './context.js';
import { newToken } from './secrets.js';
import type { RegistrationStatus } from './types.js';

const SETTING = 'registration_key';
/** A chosen key must be at least this long: it stands in for an account password of every future developer. */
export const REGISTRATION_KEY_MIN_LENGTH = 16;

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Sets (or, with no `key`, generates) the registration key; returns it, the only time it is shown. */
export async function setRegistrationKey(
  ctx: IdentityContext,
  developerId: string,
  key: string | undefined,
): Promise<string> {
  if (key !== undefined && [...key].length < REGISTRATION_KEY_MIN_LENGTH) {
    throw new IsobarError('CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', {
      field: 'key',
      min: REGISTRATION_KEY_MIN_LENGTH,
    });
  }
  const value = key ?? newToken();
  const row = {
    name: SETTING,
    value: sha256(value).toString('hex'),
    updated_by: developerId,
    updated_at: ctx.clock.now(),
  };
  await ctx.store.transaction(async (trx) => {
    await trx.deleteFrom('platform_settings').where('name', '=', SETTING).execute();
    await trx.insertInto('platform_settings').values(row).execute();
  });
  ctx.log.info('developer registration key set', { by: developerId });
  return value;
}

/** Removes the registration key: registration is closed (unless open by configuration). */
export async function clearRegistrationKey(ctx: IdentityContext, developerId: string): Promise<void> {
  await ctx.store.db.deleteFrom('platform_settings').where('name', '=', SETTING).execute();
  ctx.log.info('developer registration key removed', { by: developerId });
}

/** Whether registration is open and whether a key is set. */
export async function registrationStatus(ctx: IdentityContext): Promise<RegistrationStatus> {
  const row = await ctx.store.db
    .selectFrom('platform_settings')
    .selectAll()
    .where('name', '=', SETTING)
    .executeTakeFirst();
  return {
    open_registration: ctx.config.openRegistration === true,
    registration_key_set: row !== undefined,
    updated_at: row?.updated_at ?? null,
    updated_by: row?.updated_by ?? null,
  };
}

/**
 * Admits a self-registration: open registration, or the right key. A missing key and a wrong one have
 * their own codes; wrong keys count against the caller's address in the login throttle.
 */
export async function admitRegistration(
  ctx: IdentityContext,
  key: string | undefined,
  address: string | undefined,
): Promise<void> {
  if (ctx.config.openRegistration === true) return;
  if (key === undefined || key === '') throw new IsobarError('CB_ERR_DEVELOPER_REGISTRATION_CLOSED');
  await ctx.throttle.guard(
    { address },
    async () => {
      const row = await ctx.store.db
        .selectFrom('platform_settings')
        .select('value')
        .where('name', '=', SETTING)
        .executeTakeFirst();
      const given = sha256(key);
      const stored = row === undefined ? undefined : Buffer.from(row.value, 'hex');
      if (stored === undefined || stored.length !== given.length || !timingSafeEqual(stored, given)) {
        throw new IsobarError('CB_ERR_DEVELOPER_BAD_REGISTRATION_KEY');
      }
    },
    ['CB_ERR_DEVELOPER_BAD_REGISTRATION_KEY'],
  );
}
