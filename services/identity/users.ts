// Users of a system: registration (with Authenticated), logins (password, anonymous, on behalf of),
// lookup, lists, changes (password change revokes tokens) and deletion.
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { UsersTable } from '../store/tables/identity.js';
import { memberKey } from './cache.js';
import { deleteAccount, insertAccount, listAccounts, requireAccount } from './account-rows.js';
import {
  checkCustom,
  checkNewSecret,
  parseObject,
  refusingDuplicates,
  requireSystem,
  type IdentityContext,
} from './context.js';
import { emailNames } from './passwords.js';
import { applyQuery } from './query.js';
import { writeMembership } from './roles.js';
import { hashSecret, newHexId, UNUSABLE_HASH, verifySecret } from './secrets.js';
import { accountKey } from './throttle.js';
import { issueToken, revokeSubject } from './tokens.js';
import type { ListQuery, LoginResult, MembershipChanges, UserRecord } from './types.js';

/** Fixed user columns; custom columns may not use these names. */
export const USER_FIELDS = [
  'user_id',
  'email',
  'creation_date',
  'password',
  'roles',
  'system_key',
  'user_token',
];

function record(row: UsersTable): UserRecord {
  return {
    ...parseObject(row.custom),
    user_id: row.user_id,
    email: row.email,
    creation_date: row.creation_date,
  };
}

function checkEmail(email: unknown): string {
  if (typeof email !== 'string' || email.trim() === '') {
    throw new IsobarError('CB_ERR_IDENTITY_BAD_FIELD', { field: 'email', detail: 'a non-empty string' });
  }
  return email.trim();
}

/** Creates a user holding Authenticated (one transaction) and announces `user.created`. */
export async function registerUser(
  ctx: IdentityContext,
  systemKey: string,
  emailIn: string,
  password: string,
  custom: Record<string, unknown> = {},
): Promise<UserRecord> {
  requireSystem(ctx, systemKey);
  const email = checkEmail(emailIn);
  checkCustom(custom, USER_FIELDS);
  const user: UsersTable = {
    user_id: newHexId(),
    system_key: systemKey,
    email,
    password_hash: await hashSecret(checkNewSecret(ctx, password, 'password', emailNames(email))),
    custom: JSON.stringify(custom),
    creation_date: ctx.clock.now(),
  };
  // A taken email is refused by the users_system_email constraint.
  const commit = await insertAccount(
    ctx,
    'user',
    user,
    () => new IsobarError('CB_ERR_USER_EXISTS', { email }),
  );
  ctx.cache.state(systemKey).users.set(user.user_id, email);
  commit();
  const rec = record(user);
  ctx.events.emit('user.created', {
    systemKey,
    user: { user_id: rec.user_id, email, creation_date: rec.creation_date },
  });
  return rec;
}

/**
 * Password login of a user; unknown email and wrong password are indistinguishable. Throttled per
 * (system, email) and per `address` (the caller's, when known).
 */
export async function loginUser(
  ctx: IdentityContext,
  systemKey: string,
  email: string,
  password: string,
  address?: string,
): Promise<LoginResult> {
  const system = requireSystem(ctx, systemKey);
  const found = await ctx.throttle.guard(
    { account: accountKey('user', systemKey, email), address },
    async () => {
      const row = await ctx.store.db
        .selectFrom('users')
        .selectAll()
        .where('system_key', '=', systemKey)
        .where('email', '=', email.trim())
        .executeTakeFirst();
      const ok = await verifySecret(password, row?.password_hash ?? UNUSABLE_HASH);
      if (row === undefined || !ok) throw new IsobarError('CB_ERR_AUTH_BAD_CREDENTIALS');
      return row;
    },
  );
  return issueToken(
    ctx,
    { kind: 'user', subjectId: found.user_id, name: found.email, systemKey },
    system.tokenTtl,
  );
}

/** A token for a user without a password (services running as a user, timers). */
export async function issueUserToken(
  ctx: IdentityContext,
  systemKey: string,
  userId: string,
): Promise<LoginResult> {
  const system = requireSystem(ctx, systemKey);
  const email = ctx.cache.state(systemKey).users.get(userId);
  if (email === undefined) throw new IsobarError('CB_ERR_USER_UNKNOWN', { user: userId });
  return issueToken(ctx, { kind: 'user', subjectId: userId, name: email, systemKey }, system.tokenTtl);
}

/** An anonymous token: it holds only the Anonymous role. */
export async function loginAnon(ctx: IdentityContext, systemKey: string): Promise<LoginResult> {
  const system = requireSystem(ctx, systemKey);
  return issueToken(ctx, { kind: 'anon', subjectId: newHexId(), name: '', systemKey }, system.tokenTtl);
}

/** One user. */
export async function getUser(ctx: IdentityContext, systemKey: string, userId: string): Promise<UserRecord> {
  return record(await requireAccount(ctx, 'user', systemKey, userId));
}

/** Users of a system, filtered and paged by a ClearBlade query. */
export async function listUsers(
  ctx: IdentityContext,
  systemKey: string,
  query: ListQuery = {},
): Promise<{ data: UserRecord[]; total: number }> {
  const rows = await listAccounts(ctx, 'user', systemKey);
  return applyQuery(rows.map(record), query);
}

/** Changes email, password (revoking the user's tokens), roles and custom columns in one transaction. */
export async function updateUser(
  ctx: IdentityContext,
  systemKey: string,
  userId: string,
  changes: { email?: string; password?: string; roles?: MembershipChanges; custom?: Record<string, unknown> },
): Promise<UserRecord> {
  const current = await requireAccount(ctx, 'user', systemKey, userId);
  const email = changes.email === undefined ? current.email : checkEmail(changes.email);
  checkCustom(changes.custom ?? {}, USER_FIELDS);
  const custom = { ...parseObject(current.custom), ...changes.custom };
  for (const [k, v] of Object.entries(custom)) if (v === null) delete custom[k];
  const passwordHash =
    changes.password === undefined
      ? current.password_hash
      : await hashSecret(checkNewSecret(ctx, changes.password, 'password', emailNames(email)));
  const next: UsersTable = { ...current, email, custom: JSON.stringify(custom), password_hash: passwordHash };
  // An email another user has is refused by the users_system_email constraint, before anything else is written.
  const commits = await refusingDuplicates(
    () =>
      ctx.store.transaction(async (trx) => {
        await trx
          .updateTable('users')
          .set({ email, custom: next.custom, password_hash: passwordHash })
          .where('system_key', '=', systemKey)
          .where('user_id', '=', userId)
          .execute();
        const out = [await writeMembership(ctx, trx, systemKey, 'user', userId, changes.roles ?? {})];
        if (changes.password !== undefined)
          out.push(await revokeSubject(ctx, trx, 'user', systemKey, userId));
        return out;
      }),
    () => new IsobarError('CB_ERR_USER_EXISTS', { email }),
  );
  ctx.cache.state(systemKey).users.set(userId, email);
  for (const c of commits) c();
  const rec = record(next);
  const announced: Record<string, unknown> = { ...changes.custom };
  if (changes.email !== undefined) announced.email = email;
  if (changes.password !== undefined) announced.password = '(changed)';
  if (changes.roles !== undefined) announced.roles = changes.roles;
  ctx.events.emit('user.updated', {
    systemKey,
    user: { user_id: userId, email, creation_date: rec.creation_date },
    changes: announced,
  });
  return rec;
}

/**
 * The user's own password change: the new password must be strong enough and the old one match (a
 * guess, throttled like a login); every token of the user is revoked.
 */
export async function changePassword(
  ctx: IdentityContext,
  systemKey: string,
  userId: string,
  oldPassword: string,
  newPassword: string,
  address?: string,
): Promise<void> {
  const current = await requireAccount(ctx, 'user', systemKey, userId);
  checkNewSecret(ctx, newPassword, 'new_password', emailNames(current.email));
  await ctx.throttle.guard({ account: accountKey('user', systemKey, current.email), address }, async () => {
    if (!(await verifySecret(oldPassword, current.password_hash)))
      throw new IsobarError('CB_ERR_AUTH_BAD_CREDENTIALS');
  });
  await updateUser(ctx, systemKey, userId, { password: newPassword });
}

/** Deletes a user, its memberships and tokens. */
export async function deleteUser(ctx: IdentityContext, systemKey: string, userId: string): Promise<void> {
  const current = await requireAccount(ctx, 'user', systemKey, userId);
  const commits = await deleteAccount(ctx, 'user', systemKey, userId);
  const state = ctx.cache.state(systemKey);
  state.users.delete(userId);
  state.members.delete(memberKey('user', userId));
  for (const c of commits) c();
  ctx.events.emit('user.deleted', {
    systemKey,
    user: { user_id: userId, email: current.email, creation_date: current.creation_date },
  });
}
