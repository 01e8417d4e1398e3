// `POST /api/v/1/code/{sk}/{name}[?id=]` (reference §3.4): the REST door into the one invoke pipeline.
// HTTP 200 `{success, results, logs?}` for every run, failed or not; an unknown service, a bad token or a
// missing permission is a REST error instead, and so is a status or header the service may not set
// (response-policy.ts: 502 CB_ERR_CODE_RESPONSE_STATUS / CB_ERR_CODE_RESPONSE_HEADER).
import type { FastifyPluginAsync } from 'fastify';
import type { InvokeResult } from '../../../engine/types.js';
import { clearBladeResults } from '../../../runtime-api/results.js';
import { header } from '../../rest/auth.js';
import { CALLER_IN_SYSTEM } from '../../rest/route-auth.js';
import { renderLogs } from '../logs.js';
import { checkResponse } from '../response-policy.js';
import { callerSecurity, serviceParams, type CodeRouteDeps } from './common.js';

/**
 * The ClearBlade envelope, rendered here once: a run the platform ended or refused (timeout, limit, call
 * depth) shows `"<CODE>: <message>"` in `results`; the engine keeps code and message apart until now.
 */
export function envelope(result: InvokeResult, logging: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { success: result.success, results: clearBladeResults(result) };
  if (logging) out.logs = renderLogs(result.logs);
  return out;
}

/** Execute a service over REST. */
export function executeRoutes({ registry, invoke }: CodeRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Params: { systemKey: string; name: string }; Querystring: { id?: string }; Body: unknown }>(
      '/api/v/1/code/:systemKey/:name',
      {
        config: CALLER_IN_SYSTEM,
        schema: {
          tags: ['code'],
          summary: 'Execute a service; the body is req.params',
          description:
            'Answers HTTP 200 {success, results} for every run (a thrown error is success:false with "<ErrorName>: <message>"; ' +
            'a timeout or limit carries its stable code). Header Logging-enabled: true adds `logs`. ' +
            'resp.status accepts 200-599 and resp.set only JSON content types, cache headers and x-* headers; ' +
            'anything else answers 502 CB_ERR_CODE_RESPONSE_STATUS / CB_ERR_CODE_RESPONSE_HEADER.',
          security: callerSecurity,
          params: serviceParams,
          querystring: {
            type: 'object',
            properties: {
              id: { type: 'string', maxLength: 128, description: 'caller-chosen req.service_instance_id' },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: { success: { type: 'boolean' }, results: {}, logs: { type: 'string' } },
            },
          },
        },
      },
      async (req, reply) => {
        const { systemKey, name } = req.params;
        const logging = header(req, 'logging-enabled')?.toLowerCase() === 'true';
        const result = await invoke(systemKey, name, req.body ?? {}, req.identity, {
          authorize: true,
          logging,
          instanceId: req.query.id,
        });
        const safe = checkResponse(result.status, result.headers);
        if (safe.status !== undefined) void reply.status(safe.status);
        void reply.headers(safe.headers);
        // The answer is JSON whatever a service wrote into it: browsers must not sniff it into HTML.
        void reply.header('x-content-type-options', 'nosniff');
        const service = registry.find(systemKey, name);
        return envelope(result, logging || service?.record.logging_enabled === true);
      },
    );
  };
}
