// Keeps a system's identity in step on its edges, so users and devices log in to an edge with the same
// credentials as on the platform, also while the uplink is down. The platform sends a snapshot of the
// system (its row, owner, users, devices, roles, memberships) with password and key HASHES only (never
// plaintext, never tokens); the edge replaces its copy of that system in one transaction.
import type { Transaction } from 'kysely';
import type { Database, Store } from '../store/index.js';
import type {
  DevelopersTable,
  DevicesTable,
  RoleMembersTable,
  RolesTable,
  SystemsTable,
  UsersTable,
} from '../store/tables/identity.js';

/** One system's identity as it travels to an edge. */
export interface IdentitySnapshot {
  readonly system: SystemsTable;
  readonly owner: DevelopersTable | undefined;
  readonly users: UsersTable[];
  readonly devices: DevicesTable[];
  readonly roles: RolesTable[];
  readonly members: RoleMembersTable[];
}

/** Platform side: reads the snapshot of one system, or undefined when the system is unknown. */
export async function readIdentitySnapshot(
  store: Store,
  systemKey: string,
): Promise<IdentitySnapshot | undefined> {
  const db = store.db;
  const system = await db
    .selectFrom('systems')
    .selectAll()
    .where('system_key', '=', systemKey)
    .executeTakeFirst();
  if (system === undefined) return undefined;
  const [owner, users, devices, roles, members] = await Promise.all([
    db.selectFrom('developers').selectAll().where('id', '=', system.owner_id).executeTakeFirst(),
    db.selectFrom('users').selectAll().where('system_key', '=', systemKey).execute(),
    db.selectFrom('devices').selectAll().where('system_key', '=', systemKey).execute(),
    db.selectFrom('roles').selectAll().where('system_key', '=', systemKey).execute(),
    db.selectFrom('role_members').selectAll().where('system_key', '=', systemKey).execute(),
  ]);
  return { system, owner, users, devices, roles, members };
}

async function ownerOnEdge(trx: Transaction<Database>, snapshot: IdentitySnapshot): Promise<string> {
  const { owner, system } = snapshot;
  if (owner === undefined) return system.owner_id;
  await trx
    .insertInto('developers')
    .values(owner)
    .onConflict((oc) => oc.doNothing())
    .execute();
  const byId = await trx.selectFrom('developers').select('id').where('id', '=', owner.id).executeTakeFirst();
  if (byId !== undefined) return byId.id;
  // The edge's own first-start developer has the same e-mail: that account owns the system here.
  const byEmail = await trx
    .selectFrom('developers')
    .select('id')
    .where('email', '=', owner.email)
    .executeTakeFirstOrThrow();
  return byEmail.id;
}

/** Edge side: replaces the edge's copy of the system's identity with the snapshot. */
export async function applyIdentitySnapshot(store: Store, snapshot: IdentitySnapshot): Promise<void> {
  const sk = snapshot.system.system_key;
  await store.transaction(async (trx) => {
    const ownerId = await ownerOnEdge(trx, snapshot);
    const system = { ...snapshot.system, owner_id: ownerId };
    await trx
      .insertInto('systems')
      .values(system)
      .onConflict((oc) => oc.column('system_key').doUpdateSet(system))
      .execute();
    await trx.deleteFrom('role_members').where('system_key', '=', sk).execute();
    await trx.deleteFrom('roles').where('system_key', '=', sk).execute();
    await trx.deleteFrom('users').where('system_key', '=', sk).execute();
    await trx.deleteFrom('devices').where('system_key', '=', sk).execute();
    for (const row of snapshot.users) await trx.insertInto('users').values(row).execute();
    for (const row of snapshot.devices) await trx.insertInto('devices').values(row).execute();
    for (const row of snapshot.roles) await trx.insertInto('roles').values(row).execute();
    for (const row of snapshot.members) await trx.insertInto('role_members').values(row).execute();
  });
}

/** True when a control payload looks like a snapshot (guards what the edge writes). */
export function isIdentitySnapshot(value: unknown): value is IdentitySnapshot {
  const v = value as Partial<IdentitySnapshot> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.system?.system_key === 'string' &&
    Array.isArray(v.users) &&
    Array.isArray(v.devices) &&
    Array.isArray(v.roles) &&
    Array.isArray(v.members)
  );
}
