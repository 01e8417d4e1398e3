// REST publish (reference §7.1): `POST /api/v/1/message/{systemKey}/publish` with `{topic, body | payload,
// qos}` and a user, device or developer token; the caller's topic ACL applies.
import type { FastifyPluginAsync } from 'fastify';
import type { Broker } from '../../broker/types.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import { CALLER_IN_SYSTEM } from '../rest/route-auth.js';
import { callerSecurity } from '../rest/schemas.js';

interface PublishBody {
  topic: string;
  body?: unknown;
  payload?: unknown;
  qos?: 0 | 1 | 2;
  retain?: boolean;
}

/** The payload bytes: strings as they are, anything else as JSON. */
function payloadOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? '');
}

/** The route plugin; `broker` publishes with the caller's identity (CB_ERR_MQTT_PUBLISH_DENIED → 403). */
export function publishRoutes(deps: { broker: Broker }): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Params: { systemKey: string }; Body: PublishBody }>(
      '/api/v/1/message/:systemKey/publish',
      {
        config: CALLER_IN_SYSTEM,
        schema: {
          tags: ['messaging'],
          summary: 'Publish one MQTT message into the system (topic ACL of the caller applies)',
          security: callerSecurity,
          params: {
            type: 'object',
            required: ['systemKey'],
            properties: { systemKey: { type: 'string' } },
          },
          body: {
            type: 'object',
            required: ['topic'],
            properties: {
              topic: { type: 'string', minLength: 1 },
              body: { description: 'Message (GO SDK); a string is sent as is, anything else as JSON' },
              payload: { description: 'Message (JS SDK); same rules as body' },
              qos: { type: 'integer', enum: [0, 1, 2], default: 0 },
              retain: { type: 'boolean', default: false },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: { success: { type: 'boolean' }, topic: { type: 'string' } },
            },
          },
        },
      },
      async (req) => {
        const { systemKey } = req.params;
        const body = req.body;
        if (body.body === undefined && body.payload === undefined) {
          throw new IsobarError('CB_ERR_HTTP_BAD_REQUEST', { detail: 'body or payload is required' });
        }
        await deps.broker.publish(systemKey, body.topic, payloadOf(body.body ?? body.payload), {
          qos: body.qos ?? 0,
          retain: body.retain ?? false,
          identity: req.identity,
        });
        return { success: true, topic: body.topic };
      },
    );
  };
}
