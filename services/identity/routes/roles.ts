// Roles over REST (reference §6.2, §6.3): read shape out, write shape in, create → {role_id}.
import type { FastifyPluginAsync } from 'fastify';
import { IsobarError } from '../../../runtime-api/errors/index.js';
import { ITEM_KEYS, LIST_KEYS } from '../permissions.js';
import { parseQuery, applyQuery } from '../query.js';
import { DEVELOPER_OF_SYSTEM as admin } from '../../rest/route-auth.js';
import { devTokenSecurity as security } from '../../rest/schemas.js';
import { roleJson, S, type IdentityRouteDeps } from './common.js';

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

/** The role routes. */
export function roleRoutes({ identity }: IdentityRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{
      Params: { systemKey: string };
      Querystring: { user?: string; device?: string; query?: string };
    }>(
      '/admin/user/:systemKey/roles',
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
      '/admin/user/:systemKey/roles/count',
      {
        config: admin,
        schema: {
          tags,
          summary: 'How many roles the system has',
          security,
          params: S.systemKeyParams,
          response: { 200: { type: 'object', properties: { count: { type: 'integer' } } } },
        },
      },
      (req) => {
        return { count: identity.roles(req.params.systemKey).length };
      },
    );

    app.post<{ Params: { systemKey: string }; Body: Body & { name: string; description?: string } }>(
      '/admin/user/:systemKey/roles',
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
      '/admin/user/:systemKey/roles',
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
        const { systemKey } = req.params;
        const { id, name, description, changes } = req.body;
        return roleJson(await identity.updateRole(systemKey, id, { name, description, changes }), systemKey);
      },
    );

    app.delete<{ Params: { systemKey: string }; Querystring: { role?: string } }>(
      '/admin/user/:systemKey/roles',
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
