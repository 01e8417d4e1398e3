// Messaging statistics for users (reference §7.1, JS SDK `MessagingStats`):
// `GET /api/v/3/message/{sk}/connections` → `{connections}` and `/subscribers/{topic}` → `{subscribers}`
// (`averagePayload` reads stored messages, so it lives with history: services/history/routes.ts). They
// say who is listening, so they need the caller's `msgHistory` read right like the history reads.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Broker } from '../../broker/types.js';
import { PERM } from '../../runtime-api/constants.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { IdentityService } from '../identity/types.js';
import { callerInSystem } from '../rest/route-kit.js';
import { objectOf, requiredStrings } from '../rest/schemas.js';

const caller = callerInSystem(['messaging']);

/** The stats routes; counts are taken from the broker when asked, never kept. */
export function statsRoutes(deps: {
  broker: Pick<Broker, 'traffic' | 'subscriberCount'>;
  identity: Pick<IdentityService, 'msgHistoryLevel'>;
}): FastifyPluginAsync {
  const readable = (req: FastifyRequest<{ Params: { systemKey: string } }>): string => {
    const { systemKey } = req.params;
    if ((deps.identity.msgHistoryLevel(req.principal, systemKey) & PERM.READ) === 0) {
      throw new IsobarError('CB_ERR_HISTORY_FORBIDDEN', { action: 'read' });
    }
    return systemKey;
  };
  return async (app) => {
    app.get<{ Params: { systemKey: string } }>(
      '/api/v/3/message/:systemKey/connections',
      caller('MQTT connections open in the system now (msgHistory read)', {
        response: { 200: objectOf({ connections: { type: 'integer' } }) },
      }),
      (req) => ({ connections: deps.broker.traffic().get(readable(req))?.connections ?? 0 }),
    );

    app.get<{ Params: { systemKey: string; '*': string } }>(
      '/api/v/3/message/:systemKey/subscribers/*',
      caller('Connected clients subscribed to a filter matching the topic (msgHistory read)', {
        description: 'The topic is the rest of the path and may hold `/` (e.g. `/subscribers/a/b/c`).',
        params: requiredStrings('systemKey', '*'),
        response: { 200: objectOf({ subscribers: { type: 'integer' } }) },
      }),
      (req) => ({ subscribers: deps.broker.subscriberCount(readable(req), req.params['*']) }),
    );
  };
}
