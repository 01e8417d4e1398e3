import { defineErrors } from './spec.js';

/** Triggers, event topics and timers. */
export const triggerErrors = defineErrors({
  CB_ERR_TRIGGER_UNKNOWN: { status: 404, fault: 'user', message: 'No trigger named {name}' },
  CB_ERR_TRIGGER_EXISTS: { status: 409, fault: 'user', message: 'A trigger named {name} already exists' },
  CB_ERR_TRIGGER_BAD_NAME: {
    status: 400,
    fault: 'user',
    message: 'Invalid trigger or timer name {name}: use 1-128 characters without "/", "#", "+" or "::"',
  },
  CB_ERR_TRIGGER_UNKNOWN_DEFINITION: {
    status: 400,
    fault: 'user',
    message: 'Unknown trigger definition {module}::{action}; GET /admin/triggers/definitions lists them',
  },
  CB_ERR_TRIGGER_BAD_FILTER: {
    status: 400,
    fault: 'user',
    message: 'Invalid key_value_pairs.{key}: {detail}',
  },
  CB_ERR_TRIGGER_SERVICE_MISSING: {
    status: 400,
    fault: 'user',
    message: 'Service {service} does not exist in this system',
  },
  CB_ERR_TRIGGER_HOP_LIMIT: {
    status: 400,
    fault: 'user',
    message: 'A chain of {hops} service publishes reached the hop limit {limit}; {source} not run',
  },
  CB_ERR_TRIGGER_QUEUE_FULL: {
    status: 503,
    fault: 'system',
    message: 'Trigger queue full ({limit}); event for {service} dropped',
  },
  CB_ERR_TIMER_UNKNOWN: { status: 404, fault: 'user', message: 'No timer named {name}' },
  CB_ERR_TIMER_EXISTS: { status: 409, fault: 'user', message: 'A timer named {name} already exists' },
  CB_ERR_TIMER_BAD_START_TIME: {
    status: 400,
    fault: 'user',
    message: 'Invalid start_time {value}: expected an RFC 3339 time or "Now"',
  },
  CB_ERR_TIMER_BAD_FREQUENCY: {
    status: 400,
    fault: 'user',
    message: 'Invalid frequency {value}: expected a positive number of seconds',
  },
  CB_ERR_TIMER_BAD_REPEATS: {
    status: 400,
    fault: 'user',
    message: 'Invalid repeats {value}: expected -1 (forever), 0 (once) or a positive integer',
  },
  CB_ERR_TIMER_BAD_CRON: { status: 400, fault: 'user', message: 'Invalid cron expression {value}: {detail}' },
  CB_ERR_TIMER_TOO_FREQUENT: {
    status: 400,
    fault: 'user',
    message: 'Timer {name} would run every {period} s; the shortest period allowed is {min} s',
  },
  CB_ERR_TIMER_LIMIT: {
    status: 409,
    fault: 'user',
    message: 'This system already has {limit} timers, the most allowed; delete one first',
  },
});
