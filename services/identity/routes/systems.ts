// Systems over REST (reference §2): create, read, list, change, delete — the developer's own only.
import type { FastifyPluginAsync } from 'fastify';
import { S, systemJson, type IdentityRouteDeps } from './common.js';

const tags = ['systems'];
const security = [{ devToken: [] }];
const idQuery = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1 } },
} as const;
const settings = {
  description: { type: 'string', maxLength: 4096 },
  token_ttl: { type: 'integer', minimum: 1, description: 'user and device token lifetime, seconds' },
  duplicate_client_id: { type: 'string', enum: ['reject', 'takeover'] },
  auth_required: { type: 'boolean', description: 'accepted; auth is always required' },
} as const;

interface SystemBody {
  name?: string;
  description?: string;
  token_ttl?: number;
  duplicate_client_id?: 'reject' | 'takeover';
}

/** `/admin/systemmanagement` (POST, GET ?id=, PUT, DELETE ?id=) and `GET /admin/allsystems`. */
export function systemRoutes({ identity, auth }: IdentityRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: SystemBody & { name: string } }>(
      '/admin/systemmanagement',
      {
        schema: {
          tags,
          summary: 'Create a system (with Anonymous, Authenticated and Administrator roles)',
          security,
          body: {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string', minLength: 1, maxLength: 256 }, ...settings },
          },
          response: { 200: S.system },
        },
      },
      async (req) => {
        const dev = auth.developer(req);
        const b = req.body;
        const system = await identity.createSystem(dev.id, {
          name: b.name,
          description: b.description,
          tokenTtl: b.token_ttl,
          duplicateClientId: b.duplicate_client_id,
        });
        return systemJson(system);
      },
    );

    app.get<{ Querystring: { id: string } }>(
      '/admin/systemmanagement',
      {
        schema: { tags, summary: 'One system', security, querystring: idQuery, response: { 200: S.system } },
      },
      (req) => {
        auth.developerForSystem(req, req.query.id);
        return systemJson(auth.system(req, req.query.id));
      },
    );

    app.get(
      '/admin/allsystems',
      {
        schema: {
          tags,
          summary: "The calling developer's systems (Isobar extension)",
          security,
          response: { 200: { type: 'array', items: S.system } },
        },
      },
      (req) => identity.systemsOf(auth.developer(req).id).map(systemJson),
    );

    app.put<{ Body: SystemBody & { id: string } }>(
      '/admin/systemmanagement',
      {
        schema: {
          tags,
          summary: 'Change name, description, token_ttl or duplicate_client_id',
          security,
          body: {
            type: 'object',
            required: ['id'],
            properties: {
              id: { type: 'string', minLength: 1 },
              name: { type: 'string', minLength: 1 },
              ...settings,
            },
          },
          response: { 200: S.system },
        },
      },
      async (req) => {
        const b = req.body;
        auth.developerForSystem(req, b.id);
        const system = await identity.updateSystem(b.id, {
          name: b.name,
          description: b.description,
          tokenTtl: b.token_ttl,
          duplicateClientId: b.duplicate_client_id,
        });
        return systemJson(system);
      },
    );

    app.delete<{ Querystring: { id: string } }>(
      '/admin/systemmanagement',
      {
        schema: {
          tags,
          summary: 'Delete a system and everything in it; its tokens stop working',
          security,
          querystring: idQuery,
          response: { 200: S.ok },
        },
      },
      async (req) => {
        auth.developerForSystem(req, req.query.id);
        await identity.deleteSystem(req.query.id);
        return {};
      },
    );
  };
}
