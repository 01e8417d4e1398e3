// Developer accounts: registration, password login, lookup.
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { DevelopersTable } from '../store/tables/identity.js';
import { checkNewSecret, refusingDuplicates, type IdentityContext } from './context.js';
import { emailNames } from './passwords.js';
import { hashSecret, newHexId, UNUSABLE_HASH, verifySecret } from './secrets.js';
import { accountKey } from './throttle.js';
import { insertToken } from './tokens.js';
import type { DeveloperRecord, LoginResult } from './types.js';

/** The public fields of a developer row (never its password hash), under ClearBlade's names. */
function record(row: DevelopersTable): DeveloperRecord {
  const { id, email, fname, lname, org, created_at } = row;
  return { id, email, fname, lname, org, creation_date: created_at };
}

/** Creates a developer and logs it in (one transaction: account and token); the password must be strong enough. */
export async function registerDeveloper(
  ctx: IdentityContext,
  input: { email: string; password: string; fname?: string; lname?: string; org?: string },
): Promise<{ developer: DeveloperRecord; login: LoginResult }> {
  const email = input.email.trim();
  const password = checkNewSecret(ctx, input.password, 'password', emailNames(email));
  const row: DevelopersTable = {
    id: newHexId(),
    email,
    password_hash: await hashSecret(password),
    fname: input.fname ?? '',
    lname: input.lname ?? '',
    org: input.org ?? '',
    created_at: ctx.clock.now(),
  };
  // A taken email is refused by the unique email column, before the token is written.
  const { result, commit } = await refusingDuplicates(
    () =>
      ctx.store.transaction(async (trx) => {
        await trx.insertInto('developers').values(row).execute();
        return insertToken(
          ctx,
          trx,
          { kind: 'developer', subjectId: row.id, name: email, systemKey: null },
          ctx.config.devTokenTtl,
        );
      }),
    () => new IsobarError('CB_ERR_DEVELOPER_EXISTS', { email }),
  );
  commit();
  return { developer: record(row), login: result };
}

/**
 * Password login; unknown email and wrong password look the same (and take the same time). Throttled
 * per email and per `address` (the caller's, when known).
 */
export async function loginDeveloper(
  ctx: IdentityContext,
  email: string,
  password: string,
  address?: string,
): Promise<LoginResult> {
  const row = await ctx.throttle.guard({ account: accountKey('developer', '', email), address }, async () => {
    const found = await ctx.store.db
      .selectFrom('developers')
      .selectAll()
      .where('email', '=', email.trim())
      .executeTakeFirst();
    const ok = await verifySecret(password, found?.password_hash ?? UNUSABLE_HASH);
    if (found === undefined || !ok) throw new IsobarError('CB_ERR_AUTH_BAD_CREDENTIALS');
    return found;
  });
  const { result, commit } = await ctx.store.transaction((trx) =>
    insertToken(
      ctx,
      trx,
      { kind: 'developer', subjectId: row.id, name: row.email, systemKey: null },
      ctx.config.devTokenTtl,
    ),
  );
  commit();
  return result;
}

/** One developer by id or email. */
export async function findDeveloper(
  ctx: IdentityContext,
  by: { id: string } | { email: string },
): Promise<DeveloperRecord | undefined> {
  let q = ctx.store.db.selectFrom('developers').selectAll();
  q = 'id' in by ? q.where('id', '=', by.id) : q.where('email', '=', by.email.trim());
  const row = await q.executeTakeFirst();
  return row === undefined ? undefined : record(row);
}

/** How many developers exist (first start creates one when none). */
export async function developerCount(ctx: IdentityContext): Promise<number> {
  const row = await ctx.store.db
    .selectFrom('developers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
