// The developer's shared-cache meta routes (reference §3.7: /admin/v/4/service_caches/{systemKey}[/{name}]):
// list, create with a default TTL, read, change and delete a cache definition. Entries are reached only
// from services (ClearBlade.Cache).
import type { FastifyPluginAsync } from 'fastify';
import { developerOfSystem } from '../rest/route-kit.js';
import { objectOf, openObject, openObjectOf, requiredStrings } from '../rest/schemas.js';
import type { CacheDefinition, Caches } from './caches.js';

const developer = developerOfSystem(['shared caches']);

const TTL = 'default seconds an entry lives; 0 = no expiry';
const definition = objectOf({
  name: { type: 'string' },
  description: { type: 'string' },
  ttl: { type: 'integer', description: TTL },
  created_at: { type: 'integer', description: 'epoch ms' },
});
const namedParams = requiredStrings('systemKey', 'name');
const body = openObjectOf({
  name: { type: 'string' },
  description: { type: 'string' },
  ttl: { type: 'integer', minimum: 0, description: TTL },
});

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
      developer("The system's shared caches (developer)", {
        response: { 200: { type: 'array', items: definition } },
      }),
      (req) => Promise.resolve(caches.list(req.params.systemKey)),
    );
    app.post<{ Params: { systemKey: string }; Body: CacheBody | undefined }>(
      base,
      developer('Creates a shared cache named in the body (developer)', {
        body,
        response: { 200: definition },
      }),
      (req) => caches.create(req.params.systemKey, req.body ?? {}),
    );
    const named = `${base}/:name`;
    type Named = { Params: { systemKey: string; name: string }; Body: CacheBody | undefined };
    app.get<Named>(
      named,
      developer('One shared cache definition (developer)', {
        params: namedParams,
        response: { 200: definition },
      }),
      (req) => Promise.resolve<CacheDefinition>(caches.get(req.params.systemKey, req.params.name)),
    );
    app.post<Named>(
      named,
      developer('Creates the shared cache {name}, with its default entry TTL (developer)', {
        params: namedParams,
        body,
        response: { 200: definition },
      }),
      (req) => caches.create(req.params.systemKey, { ...(req.body ?? {}), name: req.params.name }),
    );
    app.put<Named>(
      named,
      developer("Changes a shared cache's description or default TTL (developer)", {
        params: namedParams,
        body,
        response: { 200: definition },
      }),
      (req) => caches.update(req.params.systemKey, req.params.name, req.body ?? {}),
    );
    app.delete<Named>(
      named,
      developer('Deletes a shared cache and its entries (developer)', {
        params: namedParams,
        response: { 200: openObject },
      }),
      async (req) => {
        await caches.delete(req.params.systemKey, req.params.name);
        return {};
      },
    );
    return Promise.resolve();
  };
}
