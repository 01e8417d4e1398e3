// REST for edges (reference §9): the registry `/admin/edges/{sk}[/{name}]`, read-only user views
// `/api/v/2/edges/{sk}` and `/api/v/3/edges/{sk}/{name}`, and deployments `/admin/edges/sync/{sk}/{edge}`.
import type { FastifyPluginAsync } from 'fastify';
import { CALLER_IN_SYSTEM, DEVELOPER_OF_SYSTEM } from '../rest/route-auth.js';
import { callerSecurity as userSecurity, devTokenSecurity as devSecurity } from '../rest/schemas.js';
import type { Deployments } from './deploy.js';
import type { EdgeRegistry } from './registry.js';

export interface EdgeRouteDeps {
  readonly registry: EdgeRegistry;
  readonly deployments: Deployments;
}

const tags = ['edges'];

const systemParams = {
  type: 'object',
  required: ['systemKey'],
  properties: { systemKey: { type: 'string' } },
} as const;
const edgeParams = {
  type: 'object',
  required: ['systemKey', 'name'],
  properties: { systemKey: { type: 'string' }, name: { type: 'string' } },
} as const;
const syncParams = {
  type: 'object',
  required: ['systemKey', 'edge'],
  properties: { systemKey: { type: 'string' }, edge: { type: 'string' } },
} as const;

const edgeSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    edge_key: { type: 'string', description: '<systemKey>:<name>' },
    system_key: { type: 'string' },
    description: { type: 'string' },
    isConnected: { type: 'boolean' },
    created_at: { type: 'integer' },
    first_talked: { type: ['integer', 'null'] },
    last_talked: { type: ['integer', 'null'] },
    last_seen: { type: ['integer', 'null'] },
    token: { type: 'string', description: 'the edge token; shown only on create and reset' },
  },
} as const;
const assetSchema = {
  type: 'object',
  properties: { asset_class: { type: 'string' }, asset_id: { type: 'string' } },
} as const;
const assetItem = {
  type: 'object',
  properties: {
    asset_class: { type: 'string', enum: ['service', 'library', 'trigger', 'timer'] },
    asset_id: { type: 'string' },
    def_module: { type: 'string', description: 'ClearBlade spelling of asset_class' },
    def_name: { type: 'string', description: 'ClearBlade spelling of asset_id' },
  },
} as const;

interface EdgeBody {
  name?: string;
  description?: string;
  reset_token?: boolean;
}
interface SyncBody {
  add?: unknown[];
  remove?: unknown[];
}
type SystemPath = { systemKey: string };
type EdgePath = { systemKey: string; name: string };
type SyncPath = { systemKey: string; edge: string };

/** The edge registry and deployment routes. */
export function edgeRoutes({ registry, deployments }: EdgeRouteDeps): FastifyPluginAsync {
  const edgeBody = {
    type: 'object',
    properties: {
      name: { type: 'string' },
      description: { type: 'string' },
      reset_token: { type: 'boolean', description: 'PUT: issue a new token (the old one stops working)' },
    },
  } as const;
  return async (app) => {
    // Bodies are optional on these routes (SDKs send none); validate an absent one as `{}`.
    app.addHook('preValidation', async (req) => {
      if (req.body === undefined || req.body === null) req.body = {};
    });
    app.get<{ Params: SystemPath }>(
      '/admin/edges/:systemKey',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Edges of a system with their connection state',
          security: devSecurity,
          params: systemParams,
          response: { 200: { type: 'array', items: edgeSchema } },
        },
      },
      async (req) => {
        return registry.list(req.params.systemKey);
      },
    );

    app.post<{ Params: SystemPath; Body: EdgeBody | undefined }>(
      '/admin/edges/:systemKey',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Register an edge named in the body; answers its token once',
          security: devSecurity,
          params: systemParams,
          body: { ...edgeBody, required: ['name'] },
          response: { 200: edgeSchema },
        },
      },
      async (req) => {
        return registry.create(req.params.systemKey, req.body?.name ?? '', req.body?.description);
      },
    );

    app.get<{ Params: EdgePath }>(
      '/admin/edges/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'One edge',
          security: devSecurity,
          params: edgeParams,
          response: { 200: edgeSchema },
        },
      },
      async (req) => {
        return registry.get(req.params.systemKey, req.params.name);
      },
    );

    app.post<{ Params: EdgePath; Body: EdgeBody | undefined }>(
      '/admin/edges/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Register an edge; answers its token once',
          security: devSecurity,
          params: edgeParams,
          body: edgeBody,
          response: { 200: edgeSchema },
        },
      },
      async (req) => {
        return registry.create(req.params.systemKey, req.params.name, req.body?.description);
      },
    );

    app.put<{ Params: EdgePath; Body: EdgeBody | undefined }>(
      '/admin/edges/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Change an edge description, or reset its token',
          security: devSecurity,
          params: edgeParams,
          body: edgeBody,
          response: { 200: edgeSchema },
        },
      },
      async (req) => {
        return registry.update(req.params.systemKey, req.params.name, {
          description: req.body?.description,
          resetToken: req.body?.reset_token === true,
        });
      },
    );

    app.delete<{ Params: EdgePath }>(
      '/admin/edges/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Remove an edge (its token stops working; its deployments are forgotten)',
          security: devSecurity,
          params: edgeParams,
          response: {
            200: { type: 'object', properties: { name: { type: 'string' }, deleted: { type: 'boolean' } } },
          },
        },
      },
      async (req) => {
        await registry.delete(req.params.systemKey, req.params.name);
        return { name: req.params.name, deleted: true };
      },
    );

    app.get<{ Params: SystemPath }>(
      '/api/v/2/edges/:systemKey',
      {
        config: CALLER_IN_SYSTEM,
        schema: {
          tags,
          summary: 'Edges of a system (any caller of the system)',
          security: userSecurity,
          params: systemParams,
          response: { 200: { type: 'array', items: edgeSchema } },
        },
      },
      async (req) => {
        return registry.list(req.params.systemKey);
      },
    );

    app.get<{ Params: EdgePath }>(
      '/api/v/3/edges/:systemKey/:name',
      {
        config: CALLER_IN_SYSTEM,
        schema: {
          tags,
          summary: 'One edge (any caller of the system)',
          security: userSecurity,
          params: edgeParams,
          response: { 200: edgeSchema },
        },
      },
      async (req) => {
        return registry.get(req.params.systemKey, req.params.name);
      },
    );

    app.get<{ Params: SyncPath }>(
      '/admin/edges/sync/:systemKey/:edge',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Assets deployed to an edge',
          security: devSecurity,
          params: syncParams,
          response: { 200: { type: 'array', items: assetSchema } },
        },
      },
      async (req) => {
        registry.get(req.params.systemKey, req.params.edge);
        return deployments.list(req.params.systemKey, req.params.edge);
      },
    );

    for (const method of ['put', 'post'] as const) {
      app[method]<{ Params: SyncPath; Body: SyncBody | undefined }>(
        '/admin/edges/sync/:systemKey/:edge',
        {
          config: DEVELOPER_OF_SYSTEM,
          schema: {
            tags,
            summary:
              'Deploy assets to an edge and/or remove them; the edge applies them now or when it reconnects, and results appear on $notification/sync/status and $notification/sync/error',
            security: devSecurity,
            params: syncParams,
            body: {
              type: 'object',
              properties: {
                add: { type: 'array', items: assetItem },
                remove: { type: 'array', items: assetItem },
              },
            },
            response: { 200: { type: 'array', items: assetSchema } },
          },
        },
        async (req) => {
          return deployments.sync(req.params.systemKey, req.params.edge, req.body ?? {});
        },
      );
    }
  };
}
