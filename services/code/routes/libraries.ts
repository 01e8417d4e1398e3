// Libraries (reference §3.6): `/codeadmin/v/2/library/{sk}[/{name}]` and their history at
// `/codeadmin/v/2/history/library/{sk}/{name}[/{version}]`. Updating a library gives every service that
// depends on it a new version bundled with it; an update that would break one is refused.
import type { FastifyPluginAsync } from 'fastify';
import { IsobarError } from '../../../runtime-api/errors/index.js';
import type { LibraryInput, LibraryRecord } from '../libraries.js';
import { devSecurity as security, serviceParams, systemParams, type CodeRouteDeps } from './common.js';
import { DEVELOPER_OF_SYSTEM } from '../../rest/route-auth.js';

const tags = ['code libraries'];
type LibraryPath = { systemKey: string; name: string };

const librarySchema = {
  type: 'object',
  properties: {
    system_key: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    version: { type: 'integer' },
    code: { type: 'string' },
    dependencies: { type: 'string' },
    api: { type: 'string' },
    visibility: { type: 'string' },
    created_at: { type: 'integer' },
  },
} as const;

const libraryBody = {
  type: 'object',
  additionalProperties: true,
  properties: {
    code: { type: 'string' },
    dependencies: { type: 'string' },
    description: { type: 'string' },
    api: { type: 'string' },
    visibility: { type: 'string', enum: ['system', 'global'] },
  },
} as const;

/** Library CRUD and history. */
export function libraryRoutes({ libraries, registry }: CodeRouteDeps): FastifyPluginAsync {
  const path = (n: string) => ({
    ...serviceParams,
    properties: { ...serviceParams.properties, name: { type: 'string', minLength: 1, description: n } },
  });
  return async (app) => {
    app.get<{ Params: { systemKey: string } }>(
      '/codeadmin/v/2/library/:systemKey',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Every library of a system',
          security,
          params: systemParams,
          response: { 200: { type: 'array', items: librarySchema } },
        },
      },
      async (req) => {
        return libraries.list(req.params.systemKey);
      },
    );

    app.get<{ Params: LibraryPath }>(
      '/codeadmin/v/2/library/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'One library',
          security,
          params: path('library'),
          response: { 200: librarySchema },
        },
      },
      async (req) => {
        return libraries.get(req.params.systemKey, req.params.name);
      },
    );

    app.post<{ Params: LibraryPath; Body: LibraryInput | undefined }>(
      '/codeadmin/v/2/library/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Create a library (compiled now: syntax errors refused)',
          security,
          params: path('library'),
          body: libraryBody,
          response: { 200: librarySchema },
        },
      },
      async (req) => {
        return libraries.create(req.params.systemKey, req.params.name, req.body ?? {});
      },
    );

    app.put<{ Params: LibraryPath; Body: LibraryInput | undefined }>(
      '/codeadmin/v/2/library/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Update a library: a new version; dependent services are re-bundled',
          security,
          params: path('library'),
          body: libraryBody,
          response: { 200: librarySchema },
        },
      },
      async (req) => {
        const { systemKey, name } = req.params;
        const record: LibraryRecord = await libraries.update(systemKey, name, req.body ?? {}, (candidate) =>
          registry.checkLibrary(candidate),
        );
        await registry.rebundleDependents(systemKey, name);
        return record;
      },
    );

    app.delete<{ Params: LibraryPath }>(
      '/codeadmin/v/2/library/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Delete a library no service or library depends on',
          security,
          params: path('library'),
          response: {
            200: { type: 'object', properties: { deleted: { type: 'boolean' }, name: { type: 'string' } } },
          },
        },
      },
      async (req) => {
        const { systemKey, name } = req.params;
        libraries.get(systemKey, name);
        const users = registry.dependents(systemKey, name);
        if (users.length > 0)
          throw new IsobarError('CB_ERR_CODE_LIBRARY_IN_USE', { name, users: users.join(', ') });
        await libraries.remove(systemKey, name);
        return { deleted: true, name };
      },
    );

    app.get<{ Params: LibraryPath }>(
      '/codeadmin/v/2/history/library/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Every version of a library',
          security,
          params: path('library'),
          response: { 200: { type: 'array', items: librarySchema } },
        },
      },
      async (req) => {
        return libraries.versions(req.params.systemKey, req.params.name);
      },
    );

    app.get<{ Params: LibraryPath & { version: number } }>(
      '/codeadmin/v/2/history/library/:systemKey/:name/:version',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'One version of a library',
          security,
          params: {
            type: 'object',
            required: ['systemKey', 'name', 'version'],
            properties: { ...serviceParams.properties, version: { type: 'integer', minimum: 1 } },
          },
          response: { 200: librarySchema },
        },
      },
      async (req) => {
        return libraries.version(req.params.systemKey, req.params.name, req.params.version);
      },
    );
  };
}
