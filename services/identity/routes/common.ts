// Shapes and small helpers shared by the identity route modules.
import type { FastifyRequest } from 'fastify';
import { IsobarError } from '../../../runtime-api/errors/index.js';
import type { RestAuth } from '../../rest/auth.js';
import { header, SYSTEM_KEY_HEADER } from '../../rest/auth.js';
import { readPermissions } from '../permissions.js';
import type { Identity, Principal, RoleRecord, SystemInfo } from '../types.js';

/** What every identity route module is built from. */
export interface IdentityRouteDeps {
  readonly identity: Identity;
  readonly auth: RestAuth;
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

/** The principal of whichever token header is present (required). */
export function tokenPrincipal(auth: RestAuth, identity: Identity, req: FastifyRequest): Principal {
  const token = auth.token(req);
  if (token === undefined)
    throw new IsobarError('CB_ERR_AUTH_MISSING_TOKEN', { header: 'ClearBlade-UserToken' });
  return identity.verifyToken(token);
}

/** A user token (not device, anon or developer) and its system. */
export function userPrincipal(
  auth: RestAuth,
  identity: Identity,
  req: FastifyRequest,
): Principal & { systemKey: string } {
  const p = tokenPrincipal(auth, identity, req);
  if (p.kind !== 'user' || p.systemKey === null) {
    throw new IsobarError('CB_ERR_AUTH_FORBIDDEN', { detail: 'a user token is required' });
  }
  return auth.caller(req, p.systemKey) as Principal & { systemKey: string };
}

/** The system a token-authenticated call is about: the token's own, else the ClearBlade-SystemKey header. */
export function callerSystem(p: Principal, req: FastifyRequest): string {
  const key = p.systemKey ?? header(req, SYSTEM_KEY_HEADER);
  if (key === undefined) throw new IsobarError('CB_ERR_SYSTEM_MISSING');
  return key;
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
  ok: { type: 'object', additionalProperties: true },
  record: { type: 'object', additionalProperties: true },
  systemKeyParams: {
    type: 'object',
    required: ['systemKey'],
    properties: { systemKey: { type: 'string', minLength: 1 } },
  },
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
