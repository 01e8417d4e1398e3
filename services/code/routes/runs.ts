// Recent runs of a whole system for users (reference §3.3; the JS SDK's Code().getCompletedServices and
// getFailedServices): `/api/v/3/code/{sk}/completed|failed`, each a list of ClearBlade's `ServiceInfo`
// built from the run rows logs.ts keeps. Failed runs are kept for every service; a completed run only when
// its service logs its runs (a success leaves no row otherwise). Gated on the `allservices` read right,
// as listing the services is: a run's log and error text are the service's, not the caller's.
import type { FastifyPluginAsync } from 'fastify';
import { PERM } from '../../../runtime-api/constants.js';
import { catalogue, IsobarError } from '../../../runtime-api/errors/index.js';
import type { SystemRunView } from '../logs.js';
import { callerSecurity as security, systemParams, type CodeRouteDeps } from './common.js';
import { CALLER_IN_SYSTEM } from '../../rest/route-auth.js';

const tags = ['code'];

/** ClearBlade's user_type numbers (reference §10: 1 developer, 2 user, 3 device); anonymous callers 0. */
const USER_TYPE: Readonly<Record<string, number>> = { developer: 1, user: 2, device: 3 };

/** One run as the JS SDK's `ServiceInfo`. */
export interface ServiceInfo {
  readonly Service: string;
  readonly Args: readonly unknown[];
  readonly Response: { success: boolean; results: unknown; logs: string };
  readonly Error: { status_code: number; error: Record<string, unknown> };
  readonly UserId: string;
  readonly UserType: number;
  readonly Id: string;
  readonly Datetime: string;
  /** Isobar's own: where the run came from. */
  readonly source?: string;
}

const serviceInfoSchema = {
  type: 'object',
  properties: {
    Service: { type: 'string' },
    Args: { type: 'array', description: 'always empty: a run row does not keep its parameters' },
    Response: {
      type: 'object',
      properties: { success: { type: 'boolean' }, results: {}, logs: { type: 'string' } },
    },
    Error: {
      type: 'object',
      properties: {
        status_code: { type: 'integer', description: '0 for a completed run' },
        error: { type: 'object', additionalProperties: true },
      },
    },
    UserId: { type: 'string', description: "the caller's id ('' when not recorded)" },
    UserType: { type: 'integer', description: '1 developer, 2 user, 3 device, 0 anonymous or unknown' },
    Id: { type: 'string', description: 'the run (service instance) id' },
    Datetime: { type: 'string', description: 'ISO 8601 start of the run' },
    source: { type: 'string', enum: ['rest', 'trigger', 'timer', 'execute', 'stream'] },
  },
} as const;

/** The HTTP status a failure's code stands for; a service's own `resp.error` (no code) is a 400. */
function statusOf(code: string | undefined): number {
  if (code === undefined) return 400;
  const spec = (catalogue as Readonly<Record<string, { status: number } | undefined>>)[code];
  return spec?.status ?? 500;
}

/** A run row as `ServiceInfo`. */
export function serviceInfo(run: SystemRunView): ServiceInfo {
  const ok = run.success === true;
  return {
    Service: run.name,
    Args: [],
    Response: { success: ok, results: ok ? null : (run.message ?? ''), logs: run.log },
    Error: ok
      ? { status_code: 0, error: {} }
      : {
          status_code: statusOf(run.code),
          error: {
            ...(run.code === undefined ? {} : { code: run.code }),
            message: run.message ?? '',
            ...(run.position === undefined ? {} : { position: run.position }),
          },
        },
    UserId: run.caller?.id ?? '',
    UserType: USER_TYPE[run.caller?.kind ?? ''] ?? 0,
    Id: run.service_instance_id,
    Datetime: run.service_execution_time,
    ...(run.source === undefined ? {} : { source: run.source }),
  };
}

/** `GET /api/v/3/code/{sk}/completed` and `/failed`. */
export function runRoutes({ identity, logs }: CodeRouteDeps): FastifyPluginAsync {
  return async (app) => {
    for (const which of ['completed', 'failed'] as const) {
      app.get<{ Params: { systemKey: string }; Querystring: { limit?: number } }>(
        `/api/v/3/code/:systemKey/${which}`,
        {
          config: CALLER_IN_SYSTEM,
          schema: {
            tags,
            summary:
              which === 'completed'
                ? "Recent successful runs of the system's services, newest first (services that log their runs)"
                : "Recent failed runs of the system's services, newest first (kept for every service)",
            description: 'Needs read on all services (role `allservices`); rows live log_ttl_minutes.',
            security,
            params: systemParams,
            querystring: {
              type: 'object',
              properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 } },
            },
            response: { 200: { type: 'array', items: serviceInfoSchema } },
          },
        },
        async (req) => {
          const { systemKey } = req.params;
          if ((identity.listLevel(req.principal, systemKey, 'allservices') & PERM.READ) === 0)
            throw new IsobarError('CB_ERR_AUTH_FORBIDDEN', { detail: 'read services' });
          const runs = await logs.recent(systemKey, which === 'completed', req.query.limit);
          return runs.map(serviceInfo);
        },
      );
    }
  };
}
