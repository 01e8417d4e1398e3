// Cron timers on croner: standard cron semantics (when both day-of-month and day-of-week are restricted a
// day matches either, as Vixie cron and POSIX say), 5 or 6 fields (seconds first), names, ranges, steps,
// `L`, `W`, `#`, and a time zone per timer (IANA name, default UTC) with croner's DST rules: a fixed time
// inside a spring-forward gap runs at the first valid time after it, and a repeated time runs once.
// Croner only computes "the next run after t"; the scheduler arms it on the injected clock.

import { Cron } from 'croner';
import { IsobarError } from '../../../runtime-api/errors/index.js';

/** A validated cron expression ready for `next()`. */
export interface CronSchedule {
  readonly expression: string;
  /** IANA time zone the fields are read in. */
  readonly timezone: string;
  /** First run strictly after `afterMs` (epoch ms), or undefined when there is none. */
  next(afterMs: number): number | undefined;
}

export const DEFAULT_TIMEZONE = 'UTC';

/** An IANA zone name Node knows (`Europe/Berlin`, `UTC`), else CB_ERR_TIMER_BAD_TIMEZONE. */
export function parseTimezone(value: unknown): string {
  if (value === undefined || value === null || value === '') return DEFAULT_TIMEZONE;
  if (typeof value === 'string' && value.length <= 64) {
    try {
      return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
    } catch {
      // fall through to the stable code
    }
  }
  throw new IsobarError('CB_ERR_TIMER_BAD_TIMEZONE', { value: JSON.stringify(value) });
}

/** Parses a cron expression read in `timezone` (default UTC) or throws CB_ERR_TIMER_BAD_CRON. */
export function parseCron(expression: unknown, timezone: string = DEFAULT_TIMEZONE): CronSchedule {
  if (typeof expression !== 'string' || expression.trim() === '') {
    throw new IsobarError('CB_ERR_TIMER_BAD_CRON', { value: JSON.stringify(expression), detail: 'empty' });
  }
  let cron: Cron;
  try {
    // paused: croner never arms its own timer here; domAndDow false is the standard OR rule.
    cron = new Cron(expression, { paused: true, timezone, domAndDow: false, mode: '5-or-6-parts' });
  } catch (err) {
    const detail = err instanceof Error ? err.message : 'invalid';
    throw new IsobarError('CB_ERR_TIMER_BAD_CRON', { value: JSON.stringify(expression), detail });
  }
  const next = (afterMs: number): number | undefined => {
    // croner answers the first run strictly after the given time, on whole seconds.
    const at = cron.nextRun(new Date(afterMs));
    return at === null ? undefined : at.getTime();
  };
  if (next(0) === undefined) {
    throw new IsobarError('CB_ERR_TIMER_BAD_CRON', {
      value: JSON.stringify(expression),
      detail: 'never matches',
    });
  }
  return { expression, timezone, next };
}
