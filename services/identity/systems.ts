// Systems: creation with their three default roles, settings, deletion with everything inside, and
// loading every system's roles, members and users into the cache at start.
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { IdentityContext } from './context.js';
import { memberKey, SystemState } from './cache.js';
import {
  administratorPermissions,
  NO_PERMISSIONS,
  parsePermissions,
  type RolePermissions,
} from './permissions.js';
import { newSystemCredentials } from './secrets.js';
import { revokeHashes } from './tokens.js';
import type { SystemInfo, SystemInput } from './types.js';

/** The roles every system starts with; their ids are their names (as in ClearBlade). */
export const DEFAULT_ROLES: ReadonlyArray<{
  name: string;
  description: string;
  permissions: () => RolePermissions;
}> = [
  { name: 'Anonymous', description: 'Anonymous tokens', permissions: () => NO_PERMISSIONS },
  { name: 'Authenticated', description: 'Every user and device', permissions: () => NO_PERMISSIONS },
  { name: 'Administrator', description: 'Broad rights', permissions: administratorPermissions },
];

function validTtl(ttl: number | undefined): void {
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1)) {
    throw new IsobarError('CB_ERR_IDENTITY_BAD_FIELD', {
      field: 'token_ttl',
      detail: 'a positive number of seconds',
    });
  }
}

/** Creates a system owned by `ownerId`, with Anonymous, Authenticated and Administrator. */
export async function createSystem(
  ctx: IdentityContext,
  ownerId: string,
  input: SystemInput,
): Promise<SystemInfo> {
  validTtl(input.tokenTtl);
  const { systemKey, systemSecret } = newSystemCredentials();
  const system: SystemInfo = {
    systemKey,
    systemSecret,
    name: input.name,
    description: input.description ?? '',
    ownerId,
    tokenTtl: input.tokenTtl ?? ctx.config.defaultTokenTtl,
    duplicateClientId: input.duplicateClientId ?? 'reject',
  };
  const roles = DEFAULT_ROLES.map((r) => ({
    id: r.name,
    name: r.name,
    description: r.description,
    permissions: r.permissions(),
  }));
  await ctx.store.transaction(async (trx) => {
    await trx
      .insertInto('systems')
      .values({
        system_key: systemKey,
        system_secret: systemSecret,
        owner_id: ownerId,
        name: system.name,
        description: system.description,
        token_ttl: system.tokenTtl,
        duplicate_client_id: system.duplicateClientId,
        created_at: ctx.clock.now(),
      })
      .execute();
    await trx
      .insertInto('roles')
      .values(
        roles.map((r) => ({
          system_key: systemKey,
          role_id: r.id,
          name: r.name,
          description: r.description,
          permissions: JSON.stringify(r.permissions),
        })),
      )
      .execute();
  });
  ctx.cache.systems.set(systemKey, Object.freeze(system));
  const state = ctx.cache.state(systemKey);
  for (const r of roles) state.roles.set(r.id, r);
  return system;
}

/** Changes name, description, token_ttl or the duplicate-client-id policy. */
export async function updateSystem(
  ctx: IdentityContext,
  systemKey: string,
  changes: Partial<SystemInput>,
): Promise<SystemInfo> {
  const current = ctx.cache.systems.get(systemKey);
  if (current === undefined) throw new IsobarError('CB_ERR_SYSTEM_UNKNOWN', { systemKey });
  validTtl(changes.tokenTtl);
  const next: SystemInfo = Object.freeze({
    ...current,
    name: changes.name ?? current.name,
    description: changes.description ?? current.description,
    tokenTtl: changes.tokenTtl ?? current.tokenTtl,
    duplicateClientId: changes.duplicateClientId ?? current.duplicateClientId,
  });
  await ctx.store.db
    .updateTable('systems')
    .set({
      name: next.name,
      description: next.description,
      token_ttl: next.tokenTtl,
      duplicate_client_id: next.duplicateClientId,
    })
    .where('system_key', '=', systemKey)
    .execute();
  ctx.cache.systems.set(systemKey, next);
  return next;
}

/** Deletes a system with its users, devices, roles and members, and revokes every token issued in it. */
export async function deleteSystem(ctx: IdentityContext, systemKey: string): Promise<void> {
  if (!ctx.cache.systems.has(systemKey)) throw new IsobarError('CB_ERR_SYSTEM_UNKNOWN', { systemKey });
  const commit = await ctx.store.transaction(async (trx) => {
    const done = await revokeHashes(ctx, trx, ctx.cache.tokensOfSystem(systemKey));
    await trx.deleteFrom('role_members').where('system_key', '=', systemKey).execute();
    await trx.deleteFrom('roles').where('system_key', '=', systemKey).execute();
    await trx.deleteFrom('devices').where('system_key', '=', systemKey).execute();
    await trx.deleteFrom('users').where('system_key', '=', systemKey).execute();
    await trx.deleteFrom('systems').where('system_key', '=', systemKey).execute();
    return done;
  });
  ctx.cache.dropSystem(systemKey);
  commit();
  ctx.events.emit('system.deleted', { systemKey });
}

/** The developer's systems, oldest first (insertion order of the cache). */
export function systemsOf(ctx: IdentityContext, ownerId: string): SystemInfo[] {
  return [...ctx.cache.systems.values()].filter((s) => s.ownerId === ownerId);
}

/**
 * Loads systems, roles, memberships and user emails into the cache (start-up); with `only`, re-reads that
 * one system after its rows changed underneath (an edge applying its platform's snapshot, reference §9;
 * another cluster node's change, services/cluster/feed.ts). A re-read builds the system's view aside and
 * swaps it in at the end, so the hot path never sees the system missing or half-loaded.
 */
export async function loadSystems(ctx: IdentityContext, only?: string): Promise<void> {
  const db = ctx.store.db;
  const one = only !== undefined;
  const sk = only ?? '';
  const fresh = new SystemState();
  const stateOf = (systemKey: string): SystemState => (one ? fresh : ctx.cache.state(systemKey));
  let info: SystemInfo | undefined;
  for (const s of await db
    .selectFrom('systems')
    .selectAll()
    .orderBy('created_at')
    .$if(one, (q) => q.where('system_key', '=', sk))
    .execute()) {
    info = Object.freeze({
      systemKey: s.system_key,
      systemSecret: s.system_secret,
      name: s.name,
      description: s.description,
      ownerId: s.owner_id,
      tokenTtl: s.token_ttl,
      duplicateClientId: s.duplicate_client_id,
    });
    if (!one) ctx.cache.systems.set(s.system_key, info);
  }
  for (const r of await db
    .selectFrom('roles')
    .selectAll()
    .$if(one, (q) => q.where('system_key', '=', sk))
    .execute()) {
    stateOf(r.system_key).roles.set(r.role_id, {
      id: r.role_id,
      name: r.name,
      description: r.description,
      permissions: parsePermissions(r.permissions),
    });
  }
  for (const m of await db
    .selectFrom('role_members')
    .selectAll()
    .$if(one, (q) => q.where('system_key', '=', sk))
    .execute()) {
    const members = stateOf(m.system_key).members;
    const key = memberKey(m.member_kind, m.member_id);
    let set = members.get(key);
    if (set === undefined) members.set(key, (set = new Set()));
    set.add(m.role_id);
  }
  for (const u of await db
    .selectFrom('users')
    .select(['system_key', 'user_id', 'email'])
    .$if(one, (q) => q.where('system_key', '=', sk))
    .execute()) {
    stateOf(u.system_key).users.set(u.user_id, u.email);
  }
  if (one) ctx.cache.putSystem(sk, info, fresh);
}
