// User-level service management (reference §3.3), for users whose roles allow it. ClearBlade gates it on
// the `allservices` list permission: 1 read, 2 create, 4 update, 8 delete (developers: everything).
// The caller is recorded as the version's author (a user's stream runs as that user), and only a
// developer may set or keep a run_user (DESIGN.md "Code services", Identity): the registry refuses it for anyone else.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { PERM } from '../../../runtime-api/constants.js';
import { IsobarError } from '../../../runtime-api/errors/index.js';
import type { Principal } from '../../identity/types.js';
import type { ServiceAuthor } from '../types.js';
import {
  callerSecurity as security,
  namesSchema,
  serviceBody,
  serviceInput,
  serviceParams,
  serviceSchema,
  systemParams,
  type CodeRouteDeps,
  type ServiceBody,
} from './common.js';
import { CALLER_IN_SYSTEM } from '../../rest/route-auth.js';

const tags = ['code'];
type ServicePath = { systemKey: string; name: string };

/** Who saves a version through these routes; anonymous callers cannot (their identity does not last). */
export function saverOf(principal: Principal): ServiceAuthor {
  if (principal.kind === 'anon') {
    throw new IsobarError('CB_ERR_AUTH_FORBIDDEN', { detail: 'anonymous callers cannot save services' });
  }
  return { kind: principal.kind, id: principal.id };
}

/** `/api/v/3/code/{sk}` and `/api/v/3/code/{sk}/service/{name}`. */
export function userRoutes({ identity, registry }: CodeRouteDeps): FastifyPluginAsync {
  /** The caller, if its roles grant `bit` on all services. */
  const allowed = (req: FastifyRequest, systemKey: string, bit: number, what: string) => {
    const principal = req.principal;
    if ((identity.listLevel(principal, systemKey, 'allservices') & bit) === 0)
      throw new IsobarError('CB_ERR_AUTH_FORBIDDEN', { detail: `${what} services` });
    return principal;
  };
  const uri = (systemKey: string, name: string) => `/api/v/3/code/${systemKey}/service/${name}`;

  return async (app) => {
    app.get<{ Params: { systemKey: string } }>(
      '/api/v/3/code/:systemKey',
      {
        config: CALLER_IN_SYSTEM,
        schema: {
          tags,
          summary: 'Names of the services (user token)',
          security,
          params: systemParams,
          response: { 200: namesSchema },
        },
      },
      async (req) => {
        allowed(req, req.params.systemKey, PERM.READ, 'read');
        return { code: registry.names(req.params.systemKey) };
      },
    );

    app.get<{ Params: ServicePath }>(
      '/api/v/3/code/:systemKey/service/:name',
      {
        config: CALLER_IN_SYSTEM,
        schema: {
          tags,
          summary: 'One service (user token)',
          security,
          params: serviceParams,
          response: { 200: serviceSchema },
        },
      },
      async (req) => {
        const { systemKey, name } = req.params;
        const principal = req.principal;
        const level = identity.listLevel(principal, systemKey, 'allservices');
        if ((level & PERM.READ) === 0 && !identity.serviceAllowed(principal, systemKey, name))
          throw new IsobarError('CB_ERR_AUTH_FORBIDDEN', { detail: 'read services' });
        return registry.get(systemKey, name).record;
      },
    );

    app.post<{ Params: ServicePath; Body: ServiceBody }>(
      '/api/v/3/code/:systemKey/service/:name',
      {
        config: CALLER_IN_SYSTEM,
        schema: {
          tags,
          summary: 'Create a service (user token)',
          security,
          params: serviceParams,
          body: serviceBody,
          response: {
            200: {
              type: 'object',
              properties: { created: { type: 'boolean' }, name: { type: 'string' }, uri: { type: 'string' } },
            },
          },
        },
      },
      async (req) => {
        const { systemKey, name } = req.params;
        const principal = allowed(req, systemKey, PERM.CREATE, 'create');
        await registry.create(systemKey, name, serviceInput(req.body), saverOf(principal));
        return { created: true, name, uri: uri(systemKey, name) };
      },
    );

    app.put<{ Params: ServicePath; Body: ServiceBody }>(
      '/api/v/3/code/:systemKey/service/:name',
      {
        config: CALLER_IN_SYSTEM,
        schema: {
          tags,
          summary: 'Update a service (user token): a new version',
          security,
          params: serviceParams,
          body: serviceBody,
          response: {
            200: {
              type: 'object',
              properties: { uri: { type: 'string' }, version_number: { type: 'integer' } },
            },
          },
        },
      },
      async (req) => {
        const { systemKey, name } = req.params;
        const principal = allowed(req, systemKey, PERM.UPDATE, 'update');
        const record = await registry.update(systemKey, name, serviceInput(req.body), saverOf(principal));
        return { uri: uri(systemKey, name), version_number: record.current_version };
      },
    );

    app.delete<{ Params: ServicePath }>(
      '/api/v/3/code/:systemKey/service/:name',
      {
        config: CALLER_IN_SYSTEM,
        schema: {
          tags,
          summary: 'Delete a service (user token)',
          security,
          params: serviceParams,
          response: {
            200: { type: 'object', properties: { deleted: { type: 'boolean' }, name: { type: 'string' } } },
          },
        },
      },
      async (req) => {
        const { systemKey, name } = req.params;
        allowed(req, systemKey, PERM.DELETE, 'delete');
        await registry.remove(systemKey, name);
        return { deleted: true, name };
      },
    );
  };
}
