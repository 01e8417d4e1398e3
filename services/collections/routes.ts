// REST surface of Collections (reference Appendix A; Go SDK datacalls.go/devcalls.go, Node and JS SDK
// Collection/Query): developer management at /admin/collectionmanagement, items by id at /api/v/1/data
// and by name at /api/v/1/collection, count/columns at /api/v/2 and the system's list at /api/v/3.
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { IsobarError } from '../../runtime-api/errors/index.js';
import { PERM } from '../../runtime-api/constants.js';
import type { Principal } from '../identity/types.js';
import { CALLER_IN_SYSTEM, type RouteAuthConfig } from '../rest/route-auth.js';
import {
  byQuery,
  callerSecurity,
  columnsSchema,
  countSchema,
  devTokenSecurity,
  fields,
  objectOf,
  openObject,
  openObjectOf,
  requiredStrings,
} from '../rest/schemas.js';
import { callerInSystem, routeOptions } from '../rest/route-kit.js';
import type { Collection, CollectionsApi } from './api.js';
import { parseQueryString } from './query.js';

/** Who may do what on a collection: permission bits (READ 1, CREATE 2, UPDATE 4, DELETE 8). */
export interface CollectionAccess {
  canUseSystem(principal: Principal, systemKey: string): boolean;
  level(principal: Principal, c: Collection): number;
}

const tags = ['collections'];
const anyArray = { type: 'array', items: openObject } as const;
const idQuery = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', description: 'collection id' } },
} as const;
const fetchAnswer = openObjectOf({
  DATA: anyArray,
  ...fields({
    TOTAL: 'integer',
    CURRENTPAGE: 'integer',
    NEXTPAGEURL: ['string', 'null'],
    PREVPAGEURL: ['string', 'null'],
  }),
});
const byIdParams = requiredStrings('collectionId');
const byNameParams = requiredStrings('systemKey', 'name');
const developer = routeOptions({ config: { auth: 'developer' }, tags, security: devTokenSecurity });
const inSystem = callerInSystem(tags);

type QueryString = { query?: string };
type QueryReq = FastifyRequest<{ Querystring: QueryString }>;
type QueryRoute<P> = { Params: P; Querystring: QueryString };

/** Registers the Collections routes. */
export function collectionRoutes(api: CollectionsApi, access: CollectionAccess): FastifyPluginAsync {
  const allowed = (req: FastifyRequest, c: Collection, bit: number, action: string): Collection => {
    if ((access.level(req.principal, c) & bit) === 0) {
      throw new IsobarError('CB_ERR_DATA_FORBIDDEN', { action, collection: c.name });
    }
    return c;
  };
  /** A developer's collection by id; someone else's answers as unknown (no probing other systems). */
  const owned = (req: FastifyRequest, id: string): Collection => {
    const c = api.byId(undefined, id);
    if (!access.canUseSystem(req.principal, c.systemKey)) {
      throw new IsobarError('CB_ERR_DATA_UNKNOWN_COLLECTION', { collection: id });
    }
    return c;
  };
  const query = (req: QueryReq) => parseQueryString(req.query.query);

  /** The item routes, once per way of naming the collection. */
  const itemRoutes = <P>(
    app: FastifyInstance,
    path: string,
    params: object,
    config: RouteAuthConfig,
    resolve: (req: FastifyRequest<{ Params: P }>) => Collection,
    countColumnsPaths: readonly string[],
  ) => {
    const caller = routeOptions({ config, tags, security: callerSecurity, params });
    app.get<QueryRoute<P>>(
      path,
      caller('Items a query selects, one page (needs read)', byQuery(fetchAnswer)),
      async (req) => api.fetch(allowed(req, resolve(req), PERM.READ, 'read'), query(req)),
    );
    app.post<{ Params: P; Body: unknown }>(
      path,
      caller('Creates one item (object body) or many (array body) (needs create)', {
        response: { 200: { type: 'array', items: objectOf({ item_id: { type: 'string' } }) } },
      }),
      async (req) => api.insert(allowed(req, resolve(req), PERM.CREATE, 'create'), req.body ?? {}),
    );
    app.put<{ Params: P; Body: { query?: unknown; $set?: unknown } }>(
      path,
      caller('Sets `$set` on the items `query` selects (needs update)', {
        body: { type: 'object', properties: { query: {}, $set: { type: 'object' } }, required: ['$set'] },
        response: { 200: countSchema },
      }),
      async (req) =>
        api.update(allowed(req, resolve(req), PERM.UPDATE, 'update'), req.body.query, req.body.$set),
    );
    app.delete<QueryRoute<P>>(
      path,
      caller('Deletes the items a query selects (needs delete)', byQuery(countSchema)),
      async (req) => api.removeItems(allowed(req, resolve(req), PERM.DELETE, 'delete'), query(req)),
    );
    for (const base of countColumnsPaths) {
      app.get<QueryRoute<P>>(
        `${base}/count`,
        caller('Number of items a query selects (needs read)', byQuery(countSchema)),
        async (req) => api.count(allowed(req, resolve(req), PERM.READ, 'read'), query(req)),
      );
      app.get<{ Params: P }>(
        `${base}/columns`,
        caller('The columns of a collection (needs read)', { response: { 200: columnsSchema } }),
        async (req) => api.columns(allowed(req, resolve(req), PERM.READ, 'read')),
      );
    }
  };

  return (app) => {
    // --- developer management ---
    app.post<{ Body: { name: string; appID: string; columns?: unknown } }>(
      '/admin/collectionmanagement',
      developer('Creates a collection in a system the developer owns', {
        body: {
          type: 'object',
          required: ['name', 'appID'],
          properties: {
            name: { type: 'string' },
            appID: { type: 'string', description: 'system key' },
            columns: { type: 'array', items: openObject, description: 'optional [{name, type}]' },
          },
        },
        response: { 200: objectOf({ collectionID: { type: 'string' } }) },
      }),
      async (req) => {
        if (!access.canUseSystem(req.principal, req.body.appID)) {
          throw new IsobarError('CB_ERR_DATA_FORBIDDEN', { action: 'create', collection: req.body.name });
        }
        const c = await api.create(req.body.appID, req.body.name, req.body.columns);
        return { collectionID: c.id };
      },
    );
    app.put<{ Body: { id: string; addColumn?: { name?: unknown; type?: unknown }; deleteColumn?: unknown } }>(
      '/admin/collectionmanagement',
      developer('Adds (`addColumn: {name, type}`) or drops (`deleteColumn: name`) a column', {
        body: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string' }, addColumn: openObject, deleteColumn: { type: 'string' } },
        },
        response: { 200: openObject },
      }),
      async (req) => {
        let c = owned(req, req.body.id);
        if (req.body.addColumn !== undefined)
          c = await api.addColumn(c, req.body.addColumn.name, req.body.addColumn.type);
        if (req.body.deleteColumn !== undefined) c = await api.dropColumn(c, req.body.deleteColumn);
        return api.describe(c);
      },
    );
    app.get<{ Querystring: { id: string } }>(
      '/admin/collectionmanagement',
      developer('One collection and its columns', { querystring: idQuery, response: { 200: openObject } }),
      async (req) => api.describe(owned(req, req.query.id)),
    );
    app.delete<{ Querystring: { id: string } }>(
      '/admin/collectionmanagement',
      developer('Deletes a collection and every item', {
        querystring: idQuery,
        response: { 200: openObject },
      }),
      async (req) => {
        await api.remove(owned(req, req.query.id));
        return {};
      },
    );
    app.get<{ Querystring: { appid: string } }>(
      '/admin/allcollections',
      developer('The collections of a system the developer owns', {
        querystring: { type: 'object', required: ['appid'], properties: { appid: { type: 'string' } } },
        response: { 200: anyArray },
      }),
      async (req) =>
        access.canUseSystem(req.principal, req.query.appid)
          ? api.list(req.query.appid).map(api.describe)
          : [],
    );
    // --- items ---
    itemRoutes<{ collectionId: string }>(
      app,
      '/api/v/1/data/:collectionId',
      byIdParams,
      { auth: 'caller', system: 'token' },
      (req) => api.byId(req.identity.systemKey, req.params.collectionId),
      ['/api/v/1/data/:collectionId'],
    );
    itemRoutes<{ systemKey: string; name: string }>(
      app,
      '/api/v/1/collection/:systemKey/:name',
      byNameParams,
      CALLER_IN_SYSTEM,
      (req) => api.byName(req.params.systemKey, req.params.name),
      ['/api/v/1/collection/:systemKey/:name', '/api/v/2/collection/:systemKey/:name'],
    );
    app.get<{ Params: { systemKey: string } }>(
      '/api/v/3/allcollections/:systemKey',
      inSystem('The collections of the system the caller may read', { response: { 200: anyArray } }),
      async (req) =>
        api
          .list(req.params.systemKey)
          .filter((c) => (access.level(req.principal, c) & PERM.READ) !== 0)
          .map(api.describe),
    );
    return Promise.resolve();
  };
}
