// The rows of the two kinds of account a system holds, users and devices: one lookup, one listing and one
// removal for both, each keyed by its kind's own id column (user_id, device name).
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { DevicesTable, UsersTable } from '../store/tables/identity.js';
import { refusingDuplicates, requireSystem, type IdentityContext } from './context.js';
import { dropMember, writeMembership } from './roles.js';
import { revokeSubject } from './tokens.js';

/** Where each kind lives: its table, id column and creation column, and the error of an unknown one. */
const KINDS = {
  user: {
    table: 'users',
    id: 'user_id',
    created: 'creation_date',
    unknown: (id: string) => new IsobarError('CB_ERR_USER_UNKNOWN', { user: id }),
  },
  device: {
    table: 'devices',
    id: 'name',
    created: 'created_date',
    unknown: (id: string) => new IsobarError('CB_ERR_DEVICE_UNKNOWN', { name: id }),
  },
} as const;

type AccountKind = keyof typeof KINDS;
interface AccountRows {
  user: UsersTable;
  device: DevicesTable;
}

/** The stored account, or undefined (a login answers bad credentials for it rather than unknown). */
export async function findAccount<K extends AccountKind>(
  ctx: IdentityContext,
  kind: K,
  systemKey: string,
  id: string,
): Promise<AccountRows[K] | undefined> {
  const { table, id: column } = KINDS[kind];
  const found = await ctx.store.db
    .selectFrom(table)
    .selectAll()
    .where('system_key', '=', systemKey)
    .where(column, '=', id)
    .executeTakeFirst();
  // The query builder types a table chosen at run time as either row; `kind` picked this one.
  return found as AccountRows[K] | undefined;
}

/** The stored account of a known system, or the kind's unknown-account error. */
export async function requireAccount<K extends AccountKind>(
  ctx: IdentityContext,
  kind: K,
  systemKey: string,
  id: string,
): Promise<AccountRows[K]> {
  requireSystem(ctx, systemKey);
  const found = await findAccount(ctx, kind, systemKey, id);
  if (found === undefined) throw KINDS[kind].unknown(id);
  return found;
}

/** The accounts of a known system, oldest first (then by id), as list queries page them. */
export async function listAccounts<K extends AccountKind>(
  ctx: IdentityContext,
  kind: K,
  systemKey: string,
): Promise<Array<AccountRows[K]>> {
  requireSystem(ctx, systemKey);
  const { table, id, created } = KINDS[kind];
  const rows = await ctx.store.db
    .selectFrom(table)
    .selectAll()
    .where('system_key', '=', systemKey)
    .orderBy(created)
    .orderBy(id)
    .execute();
  return rows as Array<AccountRows[K]>;
}

/**
 * Stores a new account holding Authenticated (one transaction); a taken id or email is refused by the
 * table's constraint as `taken()`, before the membership is written. Answers the cache commit.
 */
export function insertAccount<K extends AccountKind>(
  ctx: IdentityContext,
  kind: K,
  row: AccountRows[K],
  taken: () => IsobarError,
): Promise<() => void> {
  const { table, id } = KINDS[kind];
  // The query builder types a table chosen at run time as either row; `kind` picked this one.
  const values = row as UsersTable & DevicesTable;
  return refusingDuplicates(
    () =>
      ctx.store.transaction(async (trx) => {
        await trx.insertInto(table).values(values).execute();
        return writeMembership(ctx, trx, row.system_key, kind, values[id], { add: ['Authenticated'] });
      }),
    taken,
  );
}

/**
 * Deletes an account with its memberships and tokens in one transaction; answers the cache commits, which
 * the caller runs once its own cache is in step.
 */
export function deleteAccount(
  ctx: IdentityContext,
  kind: AccountKind,
  systemKey: string,
  id: string,
): Promise<Array<() => void>> {
  const { table, id: column } = KINDS[kind];
  return ctx.store.transaction(async (trx) => {
    const revoked = await revokeSubject(ctx, trx, kind, systemKey, id);
    const dropped = await dropMember(ctx, trx, systemKey, kind, id);
    await trx.deleteFrom(table).where('system_key', '=', systemKey).where(column, '=', id).execute();
    return [revoked, dropped];
  });
}
