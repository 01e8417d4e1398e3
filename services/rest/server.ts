import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Log } from '../kernel/log.js';
import type { RestAuth } from './auth.js';
import { createErrorHandler, errorBody, type ThrottledAnswers } from './errors.js';
import { installRouteAuth } from './route-auth.js';
import { installLenientBodies } from './bodies.js';

export interface HttpOptions {
  readonly bodyLimit: number;
  readonly log: Log;
  /** Route plugins, one per area (identity, code, triggers, …); each route declares `config.auth`. */
  readonly routes: readonly FastifyPluginAsync[];
  /** The checks route auth runs (route-auth.ts). */
  readonly auth: RestAuth;
  /** Answers /healthz: false while starting or draining. */
  readonly healthy: () => boolean;
  /**
   * Cluster or PostgreSQL mode (services/cluster/health.ts): the node id and each shared engine's state,
   * added to /healthz; one engine down answers 503.
   */
  readonly engines?: () => Promise<{
    readonly node: string;
    readonly engines: Readonly<Record<string, 'ok' | 'down'>>;
  }>;
  /** Refused logins are held before they are answered (errors.ts). */
  readonly throttled?: ThrottledAnswers;
}

/** Headers ClearBlade clients send; browsers need them allowed by CORS (reference §1.1). */
export const CLEARBLADE_HEADERS = [
  'ClearBlade-SystemKey',
  'ClearBlade-SystemSecret',
  'ClearBlade-UserToken',
  'ClearBlade-DevToken',
  'ClearBlade-DeviceToken',
  'ClearBlade-Devicename',
  'ClearBlade-Edge',
  'Logging-enabled',
  'Content-Type',
  'Accept',
];

/** Builds (but does not listen) the REST app: error envelope, lenient JSON, CORS, OpenAPI, /healthz. */
export async function createHttpApp(options: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: options.bodyLimit,
    logger: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    forceCloseConnections: true,
    return503OnClosing: true,
  });
  // ClearBlade reads every body as JSON, whatever its Content-Type; empty is `{}` (bodies.ts).
  installLenientBodies(app);
  app.setErrorHandler(createErrorHandler(options.log, options.bodyLimit, options.throttled));
  app.setNotFoundHandler((request, reply) => {
    const err = new IsobarError('CB_ERR_HTTP_ROUTE_NOT_FOUND', {
      method: request.method,
      url: request.url.split('?')[0],
    });
    void reply.status(404).send(errorBody(err));
  });
  await app.register(cors, {
    origin: true,
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: CLEARBLADE_HEADERS,
    maxAge: 600,
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Isobar REST API',
        version: '1',
        description: 'ClearBlade-compatible REST API of Isobar',
      },
      components: {
        securitySchemes: {
          devToken: { type: 'apiKey', in: 'header', name: 'ClearBlade-DevToken' },
          userToken: { type: 'apiKey', in: 'header', name: 'ClearBlade-UserToken' },
          deviceToken: { type: 'apiKey', in: 'header', name: 'ClearBlade-DeviceToken' },
          systemKey: { type: 'apiKey', in: 'header', name: 'ClearBlade-SystemKey' },
          systemSecret: { type: 'apiKey', in: 'header', name: 'ClearBlade-SystemSecret' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  const engines = options.engines;
  app.get('/healthz', { schema: { hide: true } }, async (_req, reply) => {
    if (engines === undefined) {
      return options.healthy() ? { status: 'ok' } : reply.status(503).send({ status: 'unavailable' });
    }
    const report = await engines();
    const ok = options.healthy() && Object.values(report.engines).every((s) => s === 'ok');
    return reply
      .status(ok ? 200 : 503)
      .send({ status: ok ? 'ok' : 'unavailable', node: report.node, ...report.engines });
  });
  // The area routes live in one context that enforces their declared auth; the platform's own routes
  // above (health, OpenAPI, docs UI) are outside it and open.
  await app.register(async (api) => {
    installRouteAuth(api, options.auth);
    for (const routes of options.routes) await api.register(routes);
  });
  return app;
}
