// Roles of a system and who holds them. Every change updates the cache after commit and announces
// `roles.changed`, so the broker's next PUBLISH or SUBSCRIBE already sees it.
import type { Transaction } from 'kysely';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Database } from '../store/index.js';
import { memberKey, type MemberKind, type RoleEntry } from './cache.js';
import { refusingDuplicates, requireSystem, type IdentityContext } from './context.js';
import { applyChanges, NO_PERMISSIONS } from './permissions.js';
import { newHexId } from './secrets.js';
import { DEFAULT_ROLES } from './systems.js';
import type { MembershipChanges, RoleChanges, RoleRecord } from './types.js';

const DEFAULT_IDS = new Set(DEFAULT_ROLES.map((r) => r.name));

/** Roles of a system, default ones first. */
export function listRoles(ctx: IdentityContext, systemKey: string): RoleRecord[] {
  requireSystem(ctx, systemKey);
  const roles = [...ctx.cache.state(systemKey).roles.values()];
  return [...roles.filter((r) => DEFAULT_IDS.has(r.id)), ...roles.filter((r) => !DEFAULT_IDS.has(r.id))];
}

/** One role by id or name. */
export function findRole(ctx: IdentityContext, systemKey: string, idOrName: string): RoleEntry {
  requireSystem(ctx, systemKey);
  const role = ctx.cache.state(systemKey).role(idOrName);
  if (role === undefined) throw new IsobarError('CB_ERR_ROLE_UNKNOWN', { role: idOrName });
  return role;
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new IsobarError('CB_ERR_IDENTITY_BAD_FIELD', { field: 'name', detail: 'a non-empty string' });
  }
  return name.trim();
}

function nameTaken(ctx: IdentityContext, systemKey: string, name: string, except?: string): boolean {
  for (const r of ctx.cache.state(systemKey).roles.values())
    if (r.name === name && r.id !== except) return true;
  return false;
}

function changed(ctx: IdentityContext, systemKey: string): void {
  ctx.cache.state(systemKey).invalidate();
  ctx.events.emit('roles.changed', { systemKey });
}

/** Creates a custom role with a hex id; `changes` in ClearBlade's write shape. */
export async function createRole(
  ctx: IdentityContext,
  systemKey: string,
  input: RoleChanges,
): Promise<RoleRecord> {
  requireSystem(ctx, systemKey);
  const name = checkName(input.name);
  if (nameTaken(ctx, systemKey, name)) throw new IsobarError('CB_ERR_ROLE_EXISTS', { name });
  const role: RoleEntry = {
    id: newHexId(),
    name,
    description: input.description ?? '',
    permissions: applyChanges(NO_PERMISSIONS, input.changes ?? {}),
  };
  await refusingDuplicates(
    () =>
      ctx.store.db
        .insertInto('roles')
        .values({
          system_key: systemKey,
          role_id: role.id,
          name,
          description: role.description,
          permissions: JSON.stringify(role.permissions),
        })
        .execute(),
    () => new IsobarError('CB_ERR_ROLE_EXISTS', { name }),
  );
  ctx.cache.state(systemKey).roles.set(role.id, role);
  changed(ctx, systemKey);
  return role;
}

/** Renames, re-describes and changes permissions of a role (items upserted, level 0 removes). */
export async function updateRole(
  ctx: IdentityContext,
  systemKey: string,
  idOrName: string,
  input: RoleChanges,
): Promise<RoleRecord> {
  const current = findRole(ctx, systemKey, idOrName);
  const name = input.name === undefined ? current.name : checkName(input.name);
  if (name !== current.name && DEFAULT_IDS.has(current.id)) {
    throw new IsobarError('CB_ERR_ROLE_PROTECTED', { role: current.id });
  }
  if (nameTaken(ctx, systemKey, name, current.id)) throw new IsobarError('CB_ERR_ROLE_EXISTS', { name });
  const next: RoleEntry = {
    id: current.id,
    name,
    description: input.description ?? current.description,
    permissions: applyChanges(current.permissions, input.changes ?? {}),
  };
  await refusingDuplicates(
    () =>
      ctx.store.db
        .updateTable('roles')
        .set({ name, description: next.description, permissions: JSON.stringify(next.permissions) })
        .where('system_key', '=', systemKey)
        .where('role_id', '=', current.id)
        .execute(),
    () => new IsobarError('CB_ERR_ROLE_EXISTS', { name }),
  );
  ctx.cache.state(systemKey).roles.set(next.id, next);
  changed(ctx, systemKey);
  return next;
}

/** Deletes a custom role and every membership in it; the default roles stay. */
export async function deleteRole(ctx: IdentityContext, systemKey: string, idOrName: string): Promise<void> {
  const role = findRole(ctx, systemKey, idOrName);
  if (DEFAULT_IDS.has(role.id)) throw new IsobarError('CB_ERR_ROLE_PROTECTED', { role: role.id });
  await ctx.store.transaction(async (trx) => {
    await trx
      .deleteFrom('role_members')
      .where('system_key', '=', systemKey)
      .where('role_id', '=', role.id)
      .execute();
    await trx
      .deleteFrom('roles')
      .where('system_key', '=', systemKey)
      .where('role_id', '=', role.id)
      .execute();
  });
  const state = ctx.cache.state(systemKey);
  state.roles.delete(role.id);
  for (const set of state.members.values()) set.delete(role.id);
  changed(ctx, systemKey);
}

/** Roles held by a user (user_id) or device (name). */
export function rolesOf(ctx: IdentityContext, systemKey: string, kind: MemberKind, id: string): RoleRecord[] {
  const state = ctx.cache.state(systemKey);
  const ids = state.members.get(memberKey(kind, id)) ?? new Set<string>();
  return listRoles(ctx, systemKey).filter((r) => ids.has(r.id));
}

/**
 * Writes membership changes inside `trx` (roles named by id or name; unknown ones refused before any
 * write); call the returned `commit` after the transaction commits.
 */
export async function writeMembership(
  ctx: IdentityContext,
  trx: Transaction<Database>,
  systemKey: string,
  kind: MemberKind,
  id: string,
  changes: MembershipChanges,
): Promise<() => void> {
  const state = ctx.cache.state(systemKey);
  const key = memberKey(kind, id);
  const held = new Set(state.members.get(key) ?? []);
  const add = (changes.add ?? []).map((r) => findRole(ctx, systemKey, r));
  const remove = (changes.delete ?? []).map((r) => findRole(ctx, systemKey, r));
  const added: RoleEntry[] = [];
  const removed: RoleEntry[] = [];
  for (const role of remove) {
    if (!held.delete(role.id)) continue;
    removed.push(role);
    await trx
      .deleteFrom('role_members')
      .where('system_key', '=', systemKey)
      .where('role_id', '=', role.id)
      .where('member_kind', '=', kind)
      .where('member_id', '=', id)
      .execute();
  }
  for (const role of add) {
    if (held.has(role.id)) continue;
    held.add(role.id);
    added.push(role);
    await trx
      .insertInto('role_members')
      .values({ system_key: systemKey, role_id: role.id, member_kind: kind, member_id: id })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  return () => {
    if (added.length === 0 && removed.length === 0) return;
    if (held.size === 0) state.members.delete(key);
    else state.members.set(key, held);
    state.invalidate();
    if (kind === 'user') {
      for (const r of added)
        ctx.events.emit('user.roleAdded', { systemKey, userId: id, roleId: r.id, roleName: r.name });
      for (const r of removed) {
        ctx.events.emit('user.roleRemoved', { systemKey, userId: id, roleId: r.id, roleName: r.name });
      }
    }
    ctx.events.emit('roles.changed', { systemKey });
  };
}

/** Adds and removes roles of one member in one transaction. */
export async function changeRoles(
  ctx: IdentityContext,
  systemKey: string,
  kind: MemberKind,
  id: string,
  changes: MembershipChanges,
): Promise<RoleRecord[]> {
  requireSystem(ctx, systemKey);
  const commit = await ctx.store.transaction((trx) =>
    writeMembership(ctx, trx, systemKey, kind, id, changes),
  );
  commit();
  return rolesOf(ctx, systemKey, kind, id);
}

/** Drops a member from every role in `trx` (user or device delete). */
export async function dropMember(
  ctx: IdentityContext,
  trx: Transaction<Database>,
  systemKey: string,
  kind: MemberKind,
  id: string,
): Promise<() => void> {
  await trx
    .deleteFrom('role_members')
    .where('system_key', '=', systemKey)
    .where('member_kind', '=', kind)
    .where('member_id', '=', id)
    .execute();
  return () => {
    const state = ctx.cache.state(systemKey);
    state.members.delete(memberKey(kind, id));
    state.invalidate();
  };
}
