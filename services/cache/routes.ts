// The developer's shared-cache meta routes (reference §3.7: /admin/v/4/service_caches/{systemKey}[/{name}]):
// list, create with a default TTL, read, change and delete a cache definition. Entries are reached only
// from services (ClearBlade.Cache).
import type { FastifyPluginAsync } from 'fastify';
import { DEVELOPER_OF_SYSTEM } from '../rest/route-auth.js';
import { devTokenSecurity, openObject, systemKeyParams } from '../rest/schemas.js';
import type { CacheDefinition, Caches } from './caches.js';

const tags = ['shared caches'];

const definition = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    ttl: { type: 'integer', description: 'default seconds an entry lives; 0 = no expiry' },
    created_at: { type: 'integer', description: 'epoch ms' },
  },
} as const;

const namedParams = {
  type: 'object',
  required: ['systemKey', 'name'],
  properties: { systemKey: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 } },
} as const;

const body = {
  type: 'object',
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    ttl: { type: 'integer', minimum: 0, description: 'default seconds an entry lives; 0 = no expiry' },
  },
} as const;

interface CacheBody {
  name?: unknown;
  description?: unknown;
  ttl?: unknown;
}

/** Registers the shared-cache meta routes. */
export function cacheRoutes(caches: Caches): FastifyPluginAsync {
  return (app) => {
    const base = '/admin/v/4/service_caches/:systemKey';
    app.get<{ Params: { systemKey: string } }>(
      base,
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: "The system's shared caches (developer)",
          security: devTokenSecurity,
          params: systemKeyParams,
          response: { 200: { type: 'array', items: definition } },
        },
      },
      (req) => Promise.resolve(caches.list(req.params.systemKey)),
    );
    app.post<{ Params: { systemKey: string }; Body: CacheBody | undefined }>(
      base,
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Creates a shared cache named in the body (developer)',
          security: devTokenSecurity,
          params: systemKeyParams,
          body,
          response: { 200: definition },
        },
      },
      (req) => caches.create(req.params.systemKey, req.body ?? {}),
    );
    const named = `${base}/:name`;
    type Named = { Params: { systemKey: string; name: string }; Body: CacheBody | undefined };
    app.get<Named>(
      named,
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'One shared cache definition (developer)',
          security: devTokenSecurity,
          params: namedParams,
          response: { 200: definition },
        },
      },
      (req) => Promise.resolve<CacheDefinition>(caches.get(req.params.systemKey, req.params.name)),
    );
    app.post<Named>(
      named,
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Creates the shared cache {name}, with its default entry TTL (developer)',
          security: devTokenSecurity,
          params: namedParams,
          body,
          response: { 200: definition },
        },
      },
      (req) => caches.create(req.params.systemKey, { ...(req.body ?? {}), name: req.params.name }),
    );
    app.put<Named>(
      named,
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: "Changes a shared cache's description or default TTL (developer)",
          security: devTokenSecurity,
          params: namedParams,
          body,
          response: { 200: definition },
        },
      },
      (req) => caches.update(req.params.systemKey, req.params.name, req.body ?? {}),
    );
    app.delete<Named>(
      named,
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Deletes a shared cache and its entries (developer)',
          security: devTokenSecurity,
          params: namedParams,
          response: { 200: openObject },
        },
      },
      async (req) => {
        await caches.delete(req.params.systemKey, req.params.name);
        return {};
      },
    );
    return Promise.resolve();
  };
}
