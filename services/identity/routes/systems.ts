// Systems over REST (reference §2): create, read, list, change, delete — the developer's own only.
import type { FastifyPluginAsync } from 'fastify';
import { devTokenSecurity as security } from '../../rest/schemas.js';
import { S, systemJson, type IdentityRouteDeps } from './common.js';

const tags = ['systems'];
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
export function systemRoutes({ identity }: IdentityRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: SystemBody & { name: string } }>(
      '/admin/systemmanagement',
      {
        config: { auth: 'developer' },
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
        const b = req.body;
        const system = await identity.createSystem(req.principal.id, {
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
        config: { auth: 'developer', system: 'query', secretIfSent: true },
        schema: { tags, summary: 'One system', security, querystring: idQuery, response: { 200: S.system } },
      },
      (req) => systemJson(req.system),
    );

    app.get(
      '/admin/allsystems',
      {
        config: { auth: 'developer' },
        schema: {
          tags,
          summary: "The calling developer's systems (Isobar extension)",
          security,
          response: { 200: { type: 'array', items: S.system } },
        },
      },
      (req) => identity.systemsOf(req.principal.id).map(systemJson),
    );

    app.put<{ Body: SystemBody & { id: string } }>(
      '/admin/systemmanagement',
      {
        config: { auth: 'developer', system: 'body' },
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
        config: { auth: 'developer', system: 'query' },
        schema: {
          tags,
          summary: 'Delete a system and everything in it; its tokens stop working',
          security,
          querystring: idQuery,
          response: { 200: S.ok },
        },
      },
      async (req) => {
        await identity.deleteSystem(req.query.id);
        return {};
      },
    );
  };
}
