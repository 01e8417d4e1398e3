// REST routes of timers (reference §5): developer CRUD under /admin/triggers/timers, user CRUD under
// /api/v/3/code/{systemKey}/timer[s].

import type { FastifyPluginAsync } from 'fastify';
import { fields, openObjectOf } from '../../rest/schemas.js';
import type { AutomationApi } from '../api.js';
import { crudRoutes } from '../crud-routes.js';
import type { PermissionIdentity } from '../permissions.js';
import type { TimerInput } from './definition.js';

/** Stored/returned form (reference §5) plus cron, runs, last_run, next_run. */
export const TIMER_SCHEMA = openObjectOf(
  fields({
    name: 'string',
    timer_key: 'string',
    system_key: 'string',
    system_secret: 'string',
    description: 'string',
    start_time: { type: 'string', format: 'date-time' },
    repeats: 'integer',
    frequency: 'number',
    cron: 'string',
    timezone: 'string',
    service_name: 'string',
    user_id: 'string',
    runs: 'integer',
    last_run: ['string', 'null'],
    next_run: ['string', 'null'],
  }),
);

// Field types are left loose on purpose: a wrong value gets its own stable code (CB_ERR_TIMER_BAD_*).
const TIMER_BODY = openObjectOf({
  start_time: { description: 'RFC 3339 time of the first run, or "Now" (default)' },
  repeats: { description: 'Runs after the first: -1 forever, 0 once (default)' },
  frequency: { description: 'Seconds between runs (> 0 unless repeats is 0 or cron is set)' },
  cron: {
    description:
      'Cron expression (5 or 6 fields, standard semantics: day-of-month OR day-of-week when both are set); replaces frequency',
  },
  timezone: { description: 'IANA time zone the cron fields are read in (default "UTC")' },
  service_name: { description: 'Service to run; empty = only publish $timer/<name>' },
  description: { type: 'string' },
});

/** The timers route plugin. */
export function timerRoutes(
  api: AutomationApi,
  deps: { readonly identity: PermissionIdentity },
): FastifyPluginAsync {
  return crudRoutes<TimerInput>(
    {
      resource: 'timers',
      tag: 'timers',
      adminBase: '/admin/triggers/timers',
      userList: 'timers',
      userOne: 'timer',
      noun: 'timer',
      body: TIMER_BODY,
      item: TIMER_SCHEMA,
      list: api.listTimers,
      get: api.getTimer,
      create: api.createTimer,
      update: api.updateTimer,
      remove: api.deleteTimer,
    },
    deps,
  );
}
