// Shapes and small helpers shared by the identity route modules.
import { openObject, openObjectOf, systemKeyParams } from '../../rest/schemas.js';
export { columnsSchema, countSchema } from '../../rest/schemas.js';
import { IsobarError } from '../../../runtime-api/errors/index.js';
import { readPermissions } from '../permissions.js';
import type { Actor, Identity, RoleRecord, SystemInfo } from '../types.js';

/** What every identity route module is built from (who may call is each route's `config.auth`). */
export interface IdentityRouteDeps {
  readonly identity: Identity;
}

/** ClearBlade's `expires_at` is epoch seconds. */
export function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** A system as `GET /admin/systemmanagement` answers it (GO asserts appID, appSecret, name, description, token_ttl). */
export function systemJson(s: SystemInfo): Record<string, unknown> {
  return {
    appID: s.systemKey,
    appSecret: s.systemSecret,
    name: s.name,
    description: s.description,
    token_ttl: s.tokenTtl,
    duplicate_client_id: s.duplicateClientId,
    auth_required: true,
  };
}

/** A role in the read shape of reference §6.2. */
export function roleJson(r: RoleRecord, systemKey: string): Record<string, unknown> {
  return {
    ID: r.id,
    Name: r.name,
    Description: r.description,
    Permissions: readPermissions(r.permissions, systemKey),
  };
}

/** Splits a body into the fields a route knows and the custom columns. */
export function splitCustom(
  body: Readonly<Record<string, unknown>>,
  known: readonly string[],
): { custom: Record<string, unknown> } {
  const custom: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!known.includes(k)) custom[k] = v;
  return { custom };
}

/** JSON schema pieces reused by the route schemas. */
export const S = {
  ok: openObject,
  record: openObject,
  systemKeyParams,
  system: {
    type: 'object',
    properties: {
      appID: { type: 'string' },
      appSecret: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      token_ttl: { type: 'integer' },
      duplicate_client_id: { type: 'string', enum: ['reject', 'takeover'] },
      auth_required: { type: 'boolean' },
    },
  },
  role: openObjectOf({ ID: { type: 'string' }, Name: { type: 'string' } }),
  login: {
    type: 'object',
    required: ['email', 'password'],
    properties: { email: { type: 'string', minLength: 1 }, password: { type: 'string', minLength: 1 } },
  },
  isAuthenticated: { type: 'object', properties: { is_authenticated: { type: 'boolean' } } },
} as const;

/**
 * The list-level right a user-level route needs (reference §6.1: `users`, `devices`, `roles`; 1 read,
 * 2 create, 4 update, 8 delete); developers hold every bit. Refuses with CB_ERR_AUTH_FORBIDDEN.
 */
export function requireListRight(
  identity: Identity,
  principal: Actor,
  systemKey: string,
  key: string,
  bit: number,
  what: string,
): void {
  if ((identity.listLevel(principal, systemKey, key) & bit) === 0) {
    throw new IsobarError('CB_ERR_AUTH_FORBIDDEN', { detail: `${what} needs the ${key} permission` });
  }
}

/** One column as ClearBlade's `/columns` routes answer it. */
export interface ColumnJson {
  readonly ColumnName: string;
  readonly ColumnType: string;
  readonly PK: boolean;
}

function columnType(value: unknown): string {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'object' && value !== null) return 'jsonb';
  return 'string';
}

/**
 * The columns of a member list: the fixed ones in their order, then every custom column any row holds
 * (custom columns are per row in Isobar, so a system's columns are their union), typed by the first value.
 */
export function columnsOf(
  fixedColumns: ReadonlyArray<readonly [string, string]>,
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
  primaryKey: string,
): ColumnJson[] {
  const out: ColumnJson[] = fixedColumns.map(([name, type]) => ({
    ColumnName: name,
    ColumnType: type,
    PK: name === primaryKey,
  }));
  const seen = new Set(fixedColumns.map(([name]) => name));
  for (const row of rows) {
    for (const [name, value] of Object.entries(row)) {
      if (seen.has(name) || value === null || value === undefined) continue;
      seen.add(name);
      out.push({ ColumnName: name, ColumnType: columnType(value), PK: false });
    }
  }
  return out;
}
