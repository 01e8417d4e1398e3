// Developer endpoints of the registry (reference §3.2) and the version history Isobar adds:
// `/admin/code/v/1/{sk}[/{name}]`, `GET /api/v/1/code/{sk}/{name}`, `PUT /codeadmin/v/2/{sk}/{name}`,
// `/codeadmin/v/2/history/service/{sk}/{name}[/{version}]` and `POST .../rollback`.
import type { FastifyPluginAsync } from 'fastify';
import {
  devSecurity as security,
  namesSchema,
  serviceBody,
  serviceInput,
  serviceParams,
  serviceSchema,
  systemParams,
  type CodeRouteDeps,
  type ServiceBody,
} from './common.js';
import { DEVELOPER_OF_SYSTEM } from '../../rest/route-auth.js';

const tags = ['code'];
type ServicePath = { systemKey: string; name: string };

const versionSchema = {
  type: 'object',
  properties: {
    ...serviceSchema.properties,
    version: { type: 'integer' },
    bundle: { type: 'string', description: 'the script the engine runs (esbuild output)' },
    rolled_back_from: { type: ['integer', 'null'] },
    current: { type: 'boolean' },
  },
} as const;

/** Developer CRUD, long-running parameters, history and rollback of services. */
export function adminRoutes({ registry }: CodeRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { systemKey: string } }>(
      '/admin/code/v/1/:systemKey',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Names of the services of a system',
          security,
          params: systemParams,
          response: { 200: namesSchema },
        },
      },
      async (req) => {
        return { code: registry.names(req.params.systemKey) };
      },
    );

    app.post<{ Params: ServicePath; Body: ServiceBody }>(
      '/admin/code/v/1/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Create a service (bundled and prepared now; a stream service starts)',
          security,
          params: serviceParams,
          body: serviceBody,
          response: { 200: serviceSchema },
        },
      },
      async (req) => {
        const dev = req.principal;
        const saver = { kind: 'developer', id: dev.id } as const;
        return registry.create(req.params.systemKey, req.params.name, serviceInput(req.body), saver);
      },
    );

    app.put<{ Params: ServicePath; Body: ServiceBody }>(
      '/admin/code/v/1/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Update a service: a new immutable version (fields left out keep their value)',
          security,
          params: serviceParams,
          body: serviceBody,
          response: { 200: serviceSchema },
        },
      },
      async (req) => {
        const dev = req.principal;
        const saver = { kind: 'developer', id: dev.id } as const;
        return registry.update(req.params.systemKey, req.params.name, serviceInput(req.body), saver);
      },
    );

    app.delete<{ Params: ServicePath }>(
      '/admin/code/v/1/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Delete a service, its versions and logs (stream instances stop)',
          security,
          params: serviceParams,
          response: {
            200: { type: 'object', properties: { deleted: { type: 'boolean' }, name: { type: 'string' } } },
          },
        },
      },
      async (req) => {
        await registry.remove(req.params.systemKey, req.params.name);
        return { deleted: true, name: req.params.name };
      },
    );

    app.get<{ Params: ServicePath }>(
      '/api/v/1/code/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'One service (developer token): the current version with `params`',
          security,
          params: serviceParams,
          response: { 200: serviceSchema },
        },
      },
      async (req) => {
        return registry.get(req.params.systemKey, req.params.name).record;
      },
    );

    app.put<{
      Params: ServicePath;
      Body: {
        execution_timeout?: number;
        auto_restart?: boolean;
        concurrency?: number;
        auto_balance?: boolean;
      };
    }>(
      '/codeadmin/v/2/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Set long-running (stream) parameters: a new version',
          security,
          params: serviceParams,
          body: {
            type: 'object',
            properties: {
              execution_timeout: serviceBody.properties.execution_timeout,
              auto_restart: { type: 'boolean' },
              auto_balance: { type: 'boolean' },
              concurrency: serviceBody.properties.concurrency,
            },
          },
          response: { 200: serviceSchema },
        },
      },
      async (req) => {
        const dev = req.principal;
        const b = req.body;
        const input = {
          execution_timeout: b.execution_timeout,
          auto_restart: b.auto_restart,
          auto_balance: b.auto_balance,
          concurrency: b.concurrency,
        };
        return registry.update(req.params.systemKey, req.params.name, input, {
          kind: 'developer',
          id: dev.id,
        });
      },
    );

    app.get<{ Params: ServicePath }>(
      '/codeadmin/v/2/history/service/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Every version of a service, oldest first (without the bundles)',
          security,
          params: serviceParams,
          response: { 200: { type: 'array', items: versionSchema } },
        },
      },
      async (req) => {
        const versions = await registry.versions(req.params.systemKey, req.params.name);
        return versions.map(({ bundle: _bundle, ...v }) => v);
      },
    );

    app.get<{ Params: ServicePath & { version: number } }>(
      '/codeadmin/v/2/history/service/:systemKey/:name/:version',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'One version of a service: its source and its bundle',
          security,
          params: {
            type: 'object',
            required: ['systemKey', 'name', 'version'],
            properties: { ...serviceParams.properties, version: { type: 'integer', minimum: 1 } },
          },
          response: { 200: versionSchema },
        },
      },
      async (req) => {
        return registry.version(req.params.systemKey, req.params.name, req.params.version);
      },
    );

    app.post<{ Params: ServicePath; Body: { version: number } }>(
      '/codeadmin/v/2/history/service/:systemKey/:name/rollback',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Roll back: a new version with the content of `version`',
          security,
          params: serviceParams,
          body: {
            type: 'object',
            required: ['version'],
            properties: { version: { type: 'integer', minimum: 1 } },
          },
          response: { 200: serviceSchema },
        },
      },
      async (req) => {
        return registry.rollback(req.params.systemKey, req.params.name, req.body.version);
      },
    );
  };
}
