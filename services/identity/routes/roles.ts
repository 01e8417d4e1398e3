// Roles over REST (reference §6.2, §6.3): read shape out, write shape in, create → {role_id}. The same
// routes twice: the developer's at `/admin/user/{sk}/roles`, and the users' and devices' at
// `/api/v/3/user/roles/{sk}` (JS SDK `Roles`), governed by the caller's `roles` list right (1 read,
// 2 create, 4 update, 8 delete); a user or device may always read its own roles (`?user=` / `?device=`).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { PERM } from '../../../runtime-api/constants.js';
import { IsobarError } from '../../../runtime-api/errors/index.js';
import { ITEM_KEYS, LIST_KEYS } from '../permissions.js';
import { parseQuery, applyQuery } from '../query.js';
import { CALLER_IN_SYSTEM, DEVELOPER_OF_SYSTEM, type RouteAuthConfig } from '../../rest/route-auth.js';
import { callerSecurity, devTokenSecurity } from '../../rest/schemas.js';
import type { Identity } from '../types.js';
import { countSchema, requireListRight, roleJson, S, type IdentityRouteDeps } from './common.js';

const tags = ['roles'];
const itemChange = {
  type: 'array',
  items: {
    type: 'object',
    required: ['itemInfo', 'permissions'],
    properties: {
      itemInfo: { type: 'object', properties: { name: { type: 'string' }, id: { type: 'string' } } },
      permissions: { type: 'integer', minimum: 0, maximum: 15 },
    },
  },
} as const;
const listChange = {
  type: 'object',
  required: ['permissions'],
  properties: { permissions: { type: 'integer', minimum: 0, maximum: 15 } },
} as const;
/** The write shape: every per-item and list-level key of reference §6.1. */
const changesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...Object.fromEntries(Object.keys(ITEM_KEYS).map((k) => [k, itemChange])),
    ...Object.fromEntries(Object.keys(LIST_KEYS).map((k) => [k, listChange])),
  },
};

type Body = Record<string, unknown>;

function pickChanges(body: Body): Body {
  const out: Body = {};
  for (const k of [...Object.keys(ITEM_KEYS), ...Object.keys(LIST_KEYS)])
    if (body[k] !== undefined) out[k] = body[k];
  return out;
}

type Req = FastifyRequest<{ Params: { systemKey: string } }>;

/** Where one copy of the role routes lives, who may call it, and the right each action needs there. */
interface Surface {
  readonly base: string;
  readonly config: RouteAuthConfig;
  readonly security: Array<Record<string, string[]>>;
  /** Throws unless the caller may do `bit` (PERM) on roles; `self` is a read of the caller's own roles. */
  readonly guard: (req: Req, bit: number, what: string, self?: boolean) => void;
}

function surfaces(identity: Identity): Surface[] {
  return [
    {
      base: '/admin/user/:systemKey/roles',
      config: DEVELOPER_OF_SYSTEM,
      security: devTokenSecurity,
      guard: () => {},
    },
    {
      base: '/api/v/3/user/roles/:systemKey',
      config: CALLER_IN_SYSTEM,
      security: callerSecurity,
      guard: (req, bit, what, self = false) => {
        if (!self) requireListRight(identity, req.principal, req.params.systemKey, 'roles', bit, what);
      },
    },
  ];
}

/** The role routes, for developers and for users. */
export function roleRoutes({ identity }: IdentityRouteDeps): FastifyPluginAsync {
  return async (app) => {
    for (const surface of surfaces(identity)) await app.register(roleSurface(identity, surface));
  };
}

function roleSurface(
  identity: Identity,
  { base, config: admin, security, guard }: Surface,
): FastifyPluginAsync {
  return async (app) => {
    app.get<{
      Params: { systemKey: string };
      Querystring: { user?: string; device?: string; query?: string };
    }>(
      base,
      {
        config: admin,
        schema: {
          tags,
          summary: 'Roles of a system, of one user (?user=) or of one device (?device=)',
          security,
          params: S.systemKeyParams,
          querystring: {
            type: 'object',
            properties: { user: { type: 'string' }, device: { type: 'string' }, query: { type: 'string' } },
          },
          response: { 200: { type: 'array', items: S.role } },
        },
      },
      async (req) => {
        const { systemKey } = req.params;
        const { user, device, query } = req.query;
        const p = req.principal;
        const self =
          (user !== undefined && p.kind === 'user' && p.id === user) ||
          (device !== undefined && p.kind === 'device' && p.id === device);
        guard(req, PERM.READ, 'reading roles', self);
        let roles = identity.roles(systemKey);
        if (user !== undefined) {
          await identity.user(systemKey, user);
          roles = identity.rolesOf(systemKey, 'user', user);
        } else if (device !== undefined) {
          await identity.device(systemKey, device);
          roles = identity.rolesOf(systemKey, 'device', device);
        }
        const rows = roles.map((r) => roleJson(r, systemKey));
        return applyQuery(rows, parseQuery(query)).data;
      },
    );

    app.get<{ Params: { systemKey: string } }>(
      `${base}/count`,
      {
        config: admin,
        schema: {
          tags,
          summary: 'How many roles the system has',
          security,
          params: S.systemKeyParams,
          response: { 200: countSchema },
        },
      },
      (req) => {
        guard(req, PERM.READ, 'counting roles');
        return { count: identity.roles(req.params.systemKey).length };
      },
    );

    app.post<{ Params: { systemKey: string }; Body: Body & { name: string; description?: string } }>(
      base,
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Create a role; permissions in the write shape (topics, services, allservices, msgHistory, …)',
          security,
          params: S.systemKeyParams,
          body: {
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 256 },
              description: { type: 'string' },
              ...changesSchema.properties,
            },
          },
          response: { 200: { ...S.role, properties: { ...S.role.properties, role_id: { type: 'string' } } } },
        },
      },
      async (req) => {
        guard(req, PERM.CREATE, 'creating roles');
        const { systemKey } = req.params;
        const role = await identity.createRole(systemKey, {
          name: req.body.name,
          description: req.body.description,
          changes: pickChanges(req.body),
        });
        return { role_id: role.id, ...roleJson(role, systemKey) };
      },
    );

    app.put<{
      Params: { systemKey: string };
      Body: { id: string; name?: string; description?: string; changes?: Body };
    }>(
      base,
      {
        config: admin,
        schema: {
          tags,
          summary: 'Change a role (by id or name): items are set to their level, level 0 removes one',
          security,
          params: S.systemKeyParams,
          body: {
            type: 'object',
            required: ['id'],
            properties: {
              id: { type: 'string', minLength: 1 },
              name: { type: 'string', minLength: 1 },
              description: { type: 'string' },
              changes: changesSchema,
            },
          },
          response: { 200: S.role },
        },
      },
      async (req) => {
        guard(req, PERM.UPDATE, 'changing roles');
        const { systemKey } = req.params;
        const { id, name, description, changes } = req.body;
        return roleJson(await identity.updateRole(systemKey, id, { name, description, changes }), systemKey);
      },
    );

    app.delete<{ Params: { systemKey: string }; Querystring: { role?: string } }>(
      base,
      {
        config: admin,
        schema: {
          tags,
          summary: 'Delete a custom role (?role=<id or name>)',
          security,
          params: S.systemKeyParams,
          querystring: { type: 'object', properties: { role: { type: 'string' } } },
          response: { 200: S.ok },
        },
      },
      async (req) => {
        guard(req, PERM.DELETE, 'deleting roles');
        const { systemKey } = req.params;
        const role = req.query.role;
        if (role === undefined || role === '') {
          throw new IsobarError('CB_ERR_IDENTITY_BAD_FIELD', {
            field: 'role',
            detail: 'the role query parameter is required',
          });
        }
        await identity.deleteRole(systemKey, role);
        return {};
      },
    );
  };
}
