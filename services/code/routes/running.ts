// Running stream instances (reference §3.2): `GET /codeadmin/v/3/running/{sk}` → `instanceId → info`,
// `DELETE` with `{"id": "<instanceId>"}` stops that instance.
import type { FastifyPluginAsync } from 'fastify';
import { devSecurity as security, systemParams, type CodeRouteDeps } from './common.js';
import { DEVELOPER_OF_SYSTEM } from '../../rest/route-auth.js';

const instanceSchema = {
  type: 'object',
  properties: {
    instanceId: { type: 'string' },
    systemKey: { type: 'string' },
    name: { type: 'string' },
    version: { type: 'integer' },
    started: { type: 'integer', description: 'epoch ms of the first start' },
    restarts: { type: 'integer' },
    state: { type: 'string', enum: ['starting', 'running', 'backoff', 'stopped'] },
    lastExit: { type: 'string' },
  },
} as const;

/** List and stop stream instances. */
export function runningRoutes({ streams }: CodeRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { systemKey: string } }>(
      '/codeadmin/v/3/running/:systemKey',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags: ['code'],
          summary: 'Running stream-service instances of a system, by instance id',
          security,
          params: systemParams,
          response: { 200: { type: 'object', additionalProperties: instanceSchema } },
        },
      },
      async (req) => {
        return streams.running(req.params.systemKey);
      },
    );

    app.delete<{ Params: { systemKey: string }; Body: { id: string } }>(
      '/codeadmin/v/3/running/:systemKey',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags: ['code'],
          summary: 'Stop one stream-service instance (it is not restarted)',
          security,
          params: systemParams,
          body: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1 } } },
          response: {
            200: { type: 'object', properties: { stopped: { type: 'boolean' }, id: { type: 'string' } } },
          },
        },
      },
      async (req) => {
        await streams.stop(req.params.systemKey, req.body.id);
        return { stopped: true, id: req.body.id };
      },
    );
  };
}
