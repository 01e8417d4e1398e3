import { defineErrors } from './spec.js';

/** Triggers, event topics and timers. */
export const triggerErrors = defineErrors({
  CB_ERR_TRIGGER_UNKNOWN: {
    status: 404,
    fault: 'user',
    message: 'No trigger named {name}',
    fix: 'Check the trigger name; GET /admin/triggers/handlers/{systemKey} lists them.',
  },
  CB_ERR_TRIGGER_EXISTS: {
    status: 409,
    fault: 'user',
    message: 'A trigger named {name} already exists',
    fix: 'Update the existing trigger or choose another name.',
  },
  CB_ERR_TRIGGER_BAD_NAME: {
    status: 400,
    fault: 'user',
    message: 'Invalid trigger or timer name {name}: use 1-128 characters without "/", "#", "+" or "::"',
    fix: 'Rename: 1-128 characters without /, #, + or ::.',
  },
  CB_ERR_TRIGGER_UNKNOWN_DEFINITION: {
    status: 400,
    fault: 'user',
    message: 'Unknown trigger definition {module}::{action}; GET /admin/triggers/definitions lists them',
    fix: 'Use a def_module and def_name pair from GET /admin/triggers/definitions.',
  },
  CB_ERR_TRIGGER_BAD_FILTER: {
    status: 400,
    fault: 'user',
    message: 'Invalid key_value_pairs.{key}: {detail}',
    fix: 'Correct key_value_pairs.<key> as named: topic must be a valid MQTT filter, other keys strings.',
  },
  CB_ERR_TRIGGER_SERVICE_MISSING: {
    status: 400,
    fault: 'user',
    message: 'Service {service} does not exist in this system',
    fix: 'Create the service first, or point service_name at an existing one.',
  },
  CB_ERR_TRIGGER_HOP_LIMIT: {
    status: 400,
    fault: 'user',
    message: 'A chain of {hops} service publishes reached the hop limit {limit}; {source} not run',
    fix: 'A service re-triggers itself through its publishes: publish to a topic that does not trigger it, or stop the chain (ISOBAR_HOP_LIMIT).',
  },
  CB_ERR_TRIGGER_QUEUE_FULL: {
    status: 503,
    fault: 'system',
    message: 'Trigger queue full ({limit}); event for {service} dropped',
    fix: 'Events arrive faster than services finish: make the service faster, trigger on fewer topics, or rate-limit the publishers.',
  },
  CB_ERR_TIMER_UNKNOWN: {
    status: 404,
    fault: 'user',
    message: 'No timer named {name}',
    fix: 'Check the timer name; GET /admin/triggers/timers/{systemKey} lists them.',
  },
  CB_ERR_TIMER_EXISTS: {
    status: 409,
    fault: 'user',
    message: 'A timer named {name} already exists',
    fix: 'Update the existing timer or choose another name.',
  },
  CB_ERR_TIMER_BAD_START_TIME: {
    status: 400,
    fault: 'user',
    message: 'Invalid start_time {value}: expected an RFC 3339 time or "Now"',
    fix: 'Send start_time as an RFC 3339 time (2024-01-01T00:00:00Z) or "Now".',
  },
  CB_ERR_TIMER_BAD_FREQUENCY: {
    status: 400,
    fault: 'user',
    message: 'Invalid frequency {value}: expected a positive number of seconds',
    fix: 'Send frequency as a positive number of seconds.',
  },
  CB_ERR_TIMER_BAD_REPEATS: {
    status: 400,
    fault: 'user',
    message: 'Invalid repeats {value}: expected -1 (forever), 0 (once) or a positive integer',
    fix: 'Send repeats as -1 (forever), 0 (once) or a positive integer.',
  },
  CB_ERR_TIMER_BAD_CRON: {
    status: 400,
    fault: 'user',
    message: 'Invalid cron expression {value}: {detail}',
    fix: "Correct the cron expression (five or six fields, read in the timer's timezone), as the message explains.",
  },
  CB_ERR_TIMER_BAD_TIMEZONE: {
    status: 400,
    fault: 'user',
    message: 'Invalid timezone {value}: expected an IANA time zone name such as "UTC" or "Europe/Berlin"',
    fix: 'Send timezone as an IANA name (the TZ database, e.g. "America/New_York"), or leave it out for UTC.',
  },
  CB_ERR_TIMER_TOO_FREQUENT: {
    status: 400,
    fault: 'user',
    message: 'Timer {name} would run every {period} s; the shortest period allowed is {min} s',
    fix: 'Use a longer period (at least ISOBAR_TIMER_MIN_PERIOD seconds), or use a stream service for faster work.',
  },
  CB_ERR_TIMER_LIMIT: {
    status: 409,
    fault: 'user',
    message: 'This system already has {limit} timers, the most allowed; delete one first',
    fix: 'Delete timers the system no longer needs, or have the operator raise ISOBAR_TIMERS_PER_SYSTEM.',
  },
});
