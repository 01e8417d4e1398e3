import type { Migration } from 'kysely';
import { addColumns, defaulted } from './builders.js';

/** Timers read their cron fields in a time zone of their own; existing timers keep UTC. */
export const timerTimezone012: Migration = addColumns('timers', { timezone: defaulted('text', 'UTC') });
