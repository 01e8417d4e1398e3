// Shapes and small helpers shared by the identity route modules.
import { openObject, systemKeyParams } from '../../rest/schemas.js';
import { readPermissions } from '../permissions.js';
import type { Identity, RoleRecord, SystemInfo } from '../types.js';

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
  role: {
    type: 'object',
    additionalProperties: true,
    properties: { ID: { type: 'string' }, Name: { type: 'string' } },
  },
  login: {
    type: 'object',
    required: ['email', 'password'],
    properties: { email: { type: 'string', minLength: 1 }, password: { type: 'string', minLength: 1 } },
  },
  isAuthenticated: { type: 'object', properties: { is_authenticated: { type: 'boolean' } } },
} as const;
