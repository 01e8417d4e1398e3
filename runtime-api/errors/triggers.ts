import { defineErrors } from './spec.js';

/** Triggers, event topics and timers. */
export const triggerErrors = defineErrors({
  CB_ERR_TRIGGER_UNKNOWN: { status: 404, fault: 'user', message: 'No trigger named {name}' },
});
