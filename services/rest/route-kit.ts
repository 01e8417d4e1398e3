// What the routes of one area share — who may call (`config.auth`), the OpenAPI tag, the documented
// security and often the path parameters — is stated once per kind of caller; each route then declares
// only its summary and what is its own (params, querystring, body, response). A route reads as what it is
// instead of a dozen lines that repeat the area's rule.
import type { FastifySchema } from 'fastify';
import { CALLER_IN_SYSTEM, DEVELOPER_OF_SYSTEM, type RouteAuthConfig } from './route-auth.js';
import { callerSecurity, devTokenSecurity, systemKeyParams } from './schemas.js';

/** What every route of one kind in an area shares. */
export interface RouteDefaults extends FastifySchema {
  readonly config: RouteAuthConfig;
  readonly tags: readonly string[];
}

/** The `{config, schema}` options of one route, as fastify's route shorthands take them. */
export interface RouteOptions {
  readonly config: RouteAuthConfig;
  readonly schema: FastifySchema;
}

/**
 * A builder of route options for one kind of caller of an area, so the shared rule is written once:
 * `const developer = routeOptions({ config: DEVELOPER_OF_SYSTEM, tags, security: devTokenSecurity });`
 * then `app.get(path, developer('One edge', { params, response: { 200: edge } }), handler)`.
 * What a route passes overrides the defaults (e.g. its own `params`).
 */
export function routeOptions(
  defaults: RouteDefaults,
): (summary: string, schema?: FastifySchema) => RouteOptions {
  const { config, ...shared } = defaults;
  return (summary, schema = {}) => ({ config, schema: { ...shared, summary, ...schema } });
}

/** Options of routes for a developer who owns the path's `:systemKey` (a route with more params names them). */
export function developerOfSystem(
  tags: readonly string[],
): (summary: string, schema?: FastifySchema) => RouteOptions {
  return routeOptions({
    config: DEVELOPER_OF_SYSTEM,
    tags,
    security: devTokenSecurity,
    params: systemKeyParams,
  });
}

/** Options of routes for any user, device or developer allowed in the path's `:systemKey`. */
export function callerInSystem(
  tags: readonly string[],
): (summary: string, schema?: FastifySchema) => RouteOptions {
  return routeOptions({ config: CALLER_IN_SYSTEM, tags, security: callerSecurity, params: systemKeyParams });
}
