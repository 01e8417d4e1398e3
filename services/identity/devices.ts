// Devices of a system: creation (with Authenticated), key login, changes (a new key or disabling the
// device revokes its tokens) and deletion.
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { DeviceEventRecord } from '../kernel/events.js';
import type { DevicesTable } from '../store/tables/identity.js';
import { deleteAccount, findAccount, insertAccount, listAccounts, requireAccount } from './account-rows.js';
import { checkNewSecret, parseObject, requireSystem, type IdentityContext } from './context.js';
import { applyQuery } from './query.js';
import { hashSecret, UNUSABLE_HASH, verifySecret } from './secrets.js';
import { accountKey } from './throttle.js';
import { insertToken, revokeSubject } from './tokens.js';
import type { DeviceInput, DeviceRecord, ListQuery, LoginResult } from './types.js';

/** Fixed device columns (and ones accepted for compatibility but not stored); everything else is custom. */
export const DEVICE_FIELDS = [
  'name',
  'system_key',
  'device_key',
  'type',
  'state',
  'description',
  'enabled',
  'allow_key_auth',
  'allow_certificate_auth',
  'certificate',
  'created_date',
  'last_active_date',
  'active_key',
  'keys',
];

function fixed(row: DevicesTable): DeviceEventRecord {
  return {
    name: row.name,
    system_key: row.system_key,
    device_key: `${row.system_key} :: ${row.name}`,
    type: row.type,
    state: row.state,
    description: row.description,
    enabled: row.enabled === 1,
    allow_key_auth: row.allow_key_auth === 1,
    allow_certificate_auth: false,
    certificate: '',
    created_date: row.created_date,
    last_active_date: row.last_active_date,
  };
}

function record(row: DevicesTable): DeviceRecord {
  return { ...parseObject(row.custom), ...fixed(row) };
}

function str(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new IsobarError('CB_ERR_IDENTITY_BAD_FIELD', { field, detail: 'a string' });
  return value;
}

function flag(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean')
    throw new IsobarError('CB_ERR_IDENTITY_BAD_FIELD', { field, detail: 'a boolean' });
  return value ? 1 : 0;
}

/** A new active key: as strong as a password (it is one, for the auth port), or '' for no key login. */
function activeKey(ctx: IdentityContext, value: unknown, name: string): string | undefined {
  const key = str(value, 'active_key');
  if (key === undefined || key === '') return key;
  return checkNewSecret(ctx, key, 'active_key', [name]);
}

function customOf(input: DeviceInput): Record<string, unknown> {
  const custom: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (!DEVICE_FIELDS.includes(k)) custom[k] = v;
  return custom;
}

/** Creates a device holding Authenticated; without `active_key` it cannot log in with a key. */
export async function createDevice(
  ctx: IdentityContext,
  systemKey: string,
  name: string,
  input: DeviceInput,
): Promise<DeviceRecord> {
  requireSystem(ctx, systemKey);
  if (name.trim() === '')
    throw new IsobarError('CB_ERR_IDENTITY_BAD_FIELD', { field: 'name', detail: 'empty' });
  const key = activeKey(ctx, input.active_key, name);
  const device: DevicesTable = {
    system_key: systemKey,
    name,
    active_key_hash: key === undefined || key === '' ? '' : await hashSecret(key),
    enabled: flag(input.enabled, 'enabled') ?? 1,
    allow_key_auth: flag(input.allow_key_auth, 'allow_key_auth') ?? 1,
    type: str(input.type, 'type') ?? '',
    state: str(input.state, 'state') ?? '',
    description: str(input.description, 'description') ?? '',
    custom: JSON.stringify(customOf(input)),
    created_date: ctx.clock.now(),
    last_active_date: null,
  };
  // A taken name is refused by the devices_pk constraint.
  const commit = await insertAccount(
    ctx,
    'device',
    device,
    () => new IsobarError('CB_ERR_DEVICE_EXISTS', { name }),
  );
  commit();
  ctx.events.emit('device.created', { systemKey, device: fixed(device) });
  return record(device);
}

/**
 * Key login: the device must exist, be enabled, allow key auth and have this key. Throttled per
 * (system, device) and per `address` (the caller's, when known).
 */
export async function loginDevice(
  ctx: IdentityContext,
  systemKey: string,
  name: string,
  key: string,
  address?: string,
): Promise<LoginResult> {
  const system = requireSystem(ctx, systemKey);
  await ctx.throttle.guard({ account: accountKey('device', systemKey, name), address }, async () => {
    const found = await findAccount(ctx, 'device', systemKey, name);
    const hash =
      found?.active_key_hash === undefined || found.active_key_hash === ''
        ? UNUSABLE_HASH
        : found.active_key_hash;
    const ok = await verifySecret(key, hash);
    if (found === undefined || !ok || found.enabled !== 1 || found.allow_key_auth !== 1) {
      throw new IsobarError('CB_ERR_AUTH_BAD_CREDENTIALS');
    }
  });
  const now = ctx.clock.now();
  const { result, commit } = await ctx.store.transaction(async (trx) => {
    await trx
      .updateTable('devices')
      .set({ last_active_date: now })
      .where('system_key', '=', systemKey)
      .where('name', '=', name)
      .execute();
    return insertToken(ctx, trx, { kind: 'device', subjectId: name, name, systemKey }, system.tokenTtl);
  });
  commit();
  return result;
}

/** One device. */
export async function getDevice(
  ctx: IdentityContext,
  systemKey: string,
  name: string,
): Promise<DeviceRecord> {
  return record(await requireAccount(ctx, 'device', systemKey, name));
}

/** Devices of a system, filtered and paged by a ClearBlade query. */
export async function listDevices(
  ctx: IdentityContext,
  systemKey: string,
  query: ListQuery = {},
): Promise<DeviceRecord[]> {
  const rows = await listAccounts(ctx, 'device', systemKey);
  return applyQuery(rows.map(record), query).data;
}

/** Changes a device; a new `active_key` or `enabled: false` revokes its tokens. Custom `null` removes a column. */
export async function updateDevice(
  ctx: IdentityContext,
  systemKey: string,
  name: string,
  changes: DeviceInput,
): Promise<DeviceRecord> {
  const current = await requireAccount(ctx, 'device', systemKey, name);
  const key = activeKey(ctx, changes.active_key, name);
  const custom = { ...parseObject(current.custom), ...customOf(changes) };
  for (const [k, v] of Object.entries(custom)) if (v === null) delete custom[k];
  const next: DevicesTable = {
    ...current,
    active_key_hash: key === undefined ? current.active_key_hash : key === '' ? '' : await hashSecret(key),
    enabled: flag(changes.enabled, 'enabled') ?? current.enabled,
    allow_key_auth: flag(changes.allow_key_auth, 'allow_key_auth') ?? current.allow_key_auth,
    type: str(changes.type, 'type') ?? current.type,
    state: str(changes.state, 'state') ?? current.state,
    description: str(changes.description, 'description') ?? current.description,
    custom: JSON.stringify(custom),
  };
  const revoke = key !== undefined || (next.enabled === 0 && current.enabled === 1);
  const commit = await ctx.store.transaction(async (trx): Promise<() => void> => {
    await trx
      .updateTable('devices')
      .set({
        active_key_hash: next.active_key_hash,
        enabled: next.enabled,
        allow_key_auth: next.allow_key_auth,
        type: next.type,
        state: next.state,
        description: next.description,
        custom: next.custom,
      })
      .where('system_key', '=', systemKey)
      .where('name', '=', name)
      .execute();
    return revoke ? revokeSubject(ctx, trx, 'device', systemKey, name) : () => undefined;
  });
  commit();
  const announced: Record<string, unknown> = { ...changes };
  if (key !== undefined) announced.active_key = '(changed)';
  ctx.events.emit('device.updated', { systemKey, deviceName: name, changes: announced });
  return record(next);
}

/** Deletes a device, its memberships and tokens. */
export async function deleteDevice(ctx: IdentityContext, systemKey: string, name: string): Promise<void> {
  const current = await requireAccount(ctx, 'device', systemKey, name);
  for (const c of await deleteAccount(ctx, 'device', systemKey, name)) c();
  ctx.events.emit('device.deleted', { systemKey, device: fixed(current) });
}
