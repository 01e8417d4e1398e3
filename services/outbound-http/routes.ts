// The developer's outbound-HTTP allow-list of a system: GET shows it, PUT replaces it.
import type { FastifyPluginAsync } from 'fastify';
import { developerOfSystem } from '../rest/route-kit.js';
import { objectOf, openObjectOf } from '../rest/schemas.js';
import { MAX_ALLOWLIST_ENTRIES, type Allowlists } from './allowlist.js';

const developer = developerOfSystem(['outbound HTTP']);

const list = objectOf({ entries: { type: 'array', items: { type: 'string' } } });

/** Registers the allow-list routes. */
export function allowlistRoutes(allowlists: Allowlists): FastifyPluginAsync {
  return (app) => {
    const path = '/admin/v/4/http_allowlist/:systemKey';
    app.get<{ Params: { systemKey: string } }>(
      path,
      developer(
        'Hosts and CIDR ranges services of this system may reach beyond the public internet (developer)',
        { response: { 200: list } },
      ),
      (req) => Promise.resolve({ entries: allowlists.entries(req.params.systemKey) }),
    );
    app.put<{ Params: { systemKey: string }; Body: { entries?: unknown } | undefined }>(
      path,
      developer('Replaces the allow-list (developer); [] admits no internal address', {
        description:
          `Up to ${MAX_ALLOWLIST_ENTRIES} entries: host names (\`*.example.com\` admits subdomains), IP ` +
          'addresses or CIDR ranges. Loopback, private, link-local and other internal addresses are refused ' +
          'to services unless listed here.',
        body: openObjectOf({ entries: { type: 'array' } }),
        response: { 200: list },
      }),
      async (req) => ({ entries: await allowlists.set(req.params.systemKey, req.body?.entries) }),
    );
    return Promise.resolve();
  };
}
