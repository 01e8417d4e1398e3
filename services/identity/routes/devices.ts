// Devices over REST: the developer's management at /admin/devices (reference §1.4, Appendix A),
// device roles, and key login at /api/v/2/devices/{systemKey}/auth (works without key/secret headers).
import type { FastifyPluginAsync } from 'fastify';
import { parseQuery } from '../query.js';
import type { DeviceInput } from '../types.js';
import { DEVELOPER_OF_SYSTEM } from '../../rest/route-auth.js';
import { routeOptions } from '../../rest/route-kit.js';
import { devTokenSecurity, openObjectOf } from '../../rest/schemas.js';
import { S, seconds, type IdentityRouteDeps } from './common.js';

const tags = ['devices'];
/** `:systemKey` and the device `:name`. */
export const params = {
  type: 'object',
  required: ['systemKey', 'name'],
  properties: {
    systemKey: { type: 'string', minLength: 1 },
    name: { type: 'string', minLength: 1, maxLength: 256 },
  },
} as const;
/** A device's fields; unknown ones are custom columns. */
export const deviceBody = openObjectOf({
  active_key: {
    type: 'string',
    description: 'the key for /api/v/2/devices/{systemKey}/auth; stored hashed',
  },
  enabled: { type: 'boolean' },
  allow_key_auth: { type: 'boolean' },
  type: { type: 'string' },
  state: { type: 'string' },
  description: { type: 'string' },
});
const roleList = {
  type: 'object',
  properties: {
    roles: {
      type: 'array',
      items: {
        type: 'object',
        properties: { ID: { type: 'string' }, Name: { type: 'string' }, Description: { type: 'string' } },
      },
    },
  },
} as const;

type Params = { systemKey: string; name: string };
/** The developer's routes about one device of a system it owns. */
const admin = routeOptions({ config: DEVELOPER_OF_SYSTEM, tags, security: devTokenSecurity, params });

/** The device routes. */
export function deviceRoutes({ identity }: IdentityRouteDeps): FastifyPluginAsync {
  const roleAnswer = (systemKey: string, name: string) => ({
    roles: identity
      .rolesOf(systemKey, 'device', name)
      .map((r) => ({ ID: r.id, Name: r.name, Description: r.description })),
  });
  return async (app) => {
    app.post<{ Params: Params; Body: DeviceInput }>(
      '/admin/devices/:systemKey/:name',
      admin('Create a device (holding Authenticated); unknown fields become custom columns', {
        body: deviceBody,
        response: { 200: S.record },
      }),
      async (req) => {
        return identity.createDevice(req.params.systemKey, req.params.name, req.body);
      },
    );

    app.get<{ Params: Params }>(
      '/admin/devices/:systemKey/:name',
      admin('One device', { response: { 200: S.record } }),
      async (req) => {
        return identity.device(req.params.systemKey, req.params.name);
      },
    );

    app.get<{ Params: { systemKey: string }; Querystring: { query?: string } }>(
      '/admin/devices/:systemKey',
      admin('Devices of a system', {
        params: S.systemKeyParams,
        querystring: { type: 'object', properties: { query: { type: 'string' } } },
        response: { 200: { type: 'array', items: S.record } },
      }),
      async (req) => {
        return identity.listDevices(req.params.systemKey, parseQuery(req.query.query));
      },
    );

    app.put<{ Params: Params; Body: DeviceInput }>(
      '/admin/devices/:systemKey/:name',
      admin('Change a device; a new active_key or enabled:false revokes its tokens', {
        body: deviceBody,
        response: { 200: S.record },
      }),
      async (req) => {
        return identity.updateDevice(req.params.systemKey, req.params.name, req.body);
      },
    );

    app.delete<{ Params: Params }>(
      '/admin/devices/:systemKey/:name',
      admin('Delete a device (its tokens stop working)', { response: { 200: S.ok } }),
      async (req) => {
        await identity.deleteDevice(req.params.systemKey, req.params.name);
        return {};
      },
    );

    app.get<{ Params: Params }>(
      '/admin/devices/roles/:systemKey/:name',
      admin("A device's roles", { response: { 200: roleList } }),
      async (req) => {
        const { systemKey, name } = req.params;
        await identity.device(systemKey, name);
        return roleAnswer(systemKey, name);
      },
    );

    app.put<{ Params: Params; Body: { add?: string[]; delete?: string[] } }>(
      '/admin/devices/roles/:systemKey/:name',
      admin('Add and remove roles of a device (ids or names)', {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            add: { type: 'array', items: { type: 'string' } },
            delete: { type: 'array', items: { type: 'string' } },
          },
        },
        response: { 200: roleList },
      }),
      async (req) => {
        const { systemKey, name } = req.params;
        await identity.changeRoles(systemKey, 'device', name, req.body);
        return roleAnswer(systemKey, name);
      },
    );

    app.post<{ Params: { systemKey: string }; Body: { deviceName: string; activeKey: string } }>(
      '/api/v/2/devices/:systemKey/auth',
      {
        config: { auth: 'system', system: 'path' },
        schema: {
          tags,
          summary: 'Log a device in with its key (no key/secret headers needed)',
          params: S.systemKeyParams,
          body: {
            type: 'object',
            required: ['deviceName', 'activeKey'],
            properties: {
              deviceName: { type: 'string', minLength: 1 },
              activeKey: { type: 'string', minLength: 1 },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                deviceToken: { type: 'string' },
                deviceName: { type: 'string' },
                expires_at: { type: 'integer' },
              },
            },
          },
        },
      },
      async (req) => {
        const login = await identity.loginDevice(
          req.system.systemKey,
          req.body.deviceName,
          req.body.activeKey,
          req.ip,
        );
        return { deviceToken: login.token, deviceName: login.id, expires_at: seconds(login.expiresAt) };
      },
    );
  };
}
