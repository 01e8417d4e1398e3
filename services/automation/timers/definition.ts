// What a timer is and when it runs next. Pure functions: the registry validates input with them and the
// scheduler asks them for the next run, always from the stored definition (start_time, frequency or cron,
// repeats, runs made), so a restart needs no extra state. Runs missed while the platform was down are not
// replayed: the next run is the first slot at or after "now" — except the single run of a once-only
// timer, which happens as soon as it can.

import { IsobarError } from '../../../runtime-api/errors/index.js';
import { DEFAULT_TIMEZONE, parseCron, parseTimezone } from './cron.js';

/** A timer as held in memory. */
export interface TimerSpec {
  /** Epoch ms of the first run (cron timers: not before this). */
  readonly startTime: number;
  /** -1 forever, 0 once, n = n more runs after the first. */
  readonly repeats: number;
  /** Seconds between runs (0 for cron and once-only timers). */
  readonly frequency: number;
  readonly cron?: string;
  /** IANA zone the cron fields are read in (absent = UTC). */
  readonly timezone?: string;
  /** Runs made so far. */
  readonly runs: number;
}

/** Create/update body (reference §5) plus `cron` and `timezone`. */
export interface TimerInput {
  readonly start_time?: unknown;
  readonly repeats?: unknown;
  readonly frequency?: unknown;
  readonly cron?: unknown;
  readonly timezone?: unknown;
  readonly service_name?: unknown;
  readonly description?: unknown;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/;

/** `"Now"` or an RFC 3339 time → epoch ms; throws CB_ERR_TIMER_BAD_START_TIME. */
export function parseStartTime(value: unknown, now: number): number {
  if (
    value === undefined ||
    value === null ||
    value === '' ||
    (typeof value === 'string' && /^now$/i.test(value))
  )
    return now;
  if (typeof value === 'string' && RFC3339.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  throw new IsobarError('CB_ERR_TIMER_BAD_START_TIME', { value: JSON.stringify(value) });
}

/** -1, 0 or a positive integer; throws CB_ERR_TIMER_BAD_REPEATS. */
export function parseRepeats(value: unknown): number {
  if (value === undefined || value === null) return 0;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -1) {
    throw new IsobarError('CB_ERR_TIMER_BAD_REPEATS', { value: JSON.stringify(value) });
  }
  return n;
}

/**
 * Seconds > 0; throws CB_ERR_TIMER_BAD_FREQUENCY. A once-only timer (repeats 0) may omit it (or send 0,
 * as consoles do); a cron timer ignores it.
 */
export function parseFrequency(value: unknown, required: boolean): number {
  if (!required && (value === undefined || value === null || value === 0 || value === '0')) return 0;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    throw new IsobarError('CB_ERR_TIMER_BAD_FREQUENCY', { value: JSON.stringify(value ?? null) });
  }
  return n;
}

/** Validates a whole definition; `cron` (when non-empty) replaces frequency. */
export function parseTimerSpec(input: TimerInput, now: number): Omit<TimerSpec, 'runs'> {
  const repeats = parseRepeats(input.repeats);
  const hasCron = input.cron !== undefined && input.cron !== null && input.cron !== '';
  const timezone = parseTimezone(input.timezone);
  const cron = hasCron ? parseCron(input.cron, timezone).expression : undefined;
  const frequency = hasCron ? 0 : parseFrequency(input.frequency, repeats !== 0);
  let startTime = parseStartTime(input.start_time, now);
  // A once-only timer set in the past runs now rather than never.
  if (!hasCron && repeats === 0 && startTime < now) startTime = now;
  return {
    startTime,
    repeats,
    frequency,
    ...(cron === undefined ? {} : { cron }),
    ...(timezone === DEFAULT_TIMEZONE ? {} : { timezone }),
  };
}

/** Runs of a cron schedule sampled to find its shortest gap (cron has no fixed period). */
const CRON_SAMPLE = 100;

/**
 * The shortest time between two runs of `spec` in seconds (cron: over its next runs from `from`), or
 * undefined for a once-only timer, which has no period.
 */
export function shortestPeriod(spec: Omit<TimerSpec, 'runs'>, from: number): number | undefined {
  if (spec.repeats === 0) return undefined;
  if (spec.cron === undefined) return spec.frequency;
  const schedule = parseCron(spec.cron, spec.timezone);
  let shortest: number | undefined;
  let prev = schedule.next(Math.max(from, spec.startTime) - 1);
  for (let i = 0; i < CRON_SAMPLE && prev !== undefined; i++) {
    const next = schedule.next(prev);
    if (next === undefined) break;
    shortest = Math.min(shortest ?? Infinity, (next - prev) / 1000);
    prev = next;
  }
  return shortest;
}

/**
 * Refuses a schedule that would run more often than every `minPeriodS` seconds (config
 * `timers.minPeriodS`) with CB_ERR_TIMER_TOO_FREQUENT: a timer at 1 ms would flood the engine and
 * survive restarts.
 */
export function assertPeriod(
  name: string,
  spec: Omit<TimerSpec, 'runs'>,
  minPeriodS: number,
  now: number,
): void {
  // Cron runs on whole seconds: at the default minimum (1 s) no expression can be too frequent.
  if (spec.cron !== undefined && minPeriodS <= 1) return;
  const period = shortestPeriod(spec, now);
  if (period !== undefined && period < minPeriodS) {
    throw new IsobarError('CB_ERR_TIMER_TOO_FREQUENT', { name, period, min: minPeriodS });
  }
}

/** True when the timer has made every run its `repeats` allows. */
export function finished(spec: TimerSpec): boolean {
  return spec.repeats >= 0 && spec.runs > spec.repeats;
}

/** The next run at or after `from` (epoch ms), or undefined when the timer is done. */
export function nextRun(spec: TimerSpec, from: number): number | undefined {
  if (finished(spec)) return undefined;
  if (spec.cron !== undefined) {
    return parseCron(spec.cron, spec.timezone).next(Math.max(from, spec.startTime) - 1);
  }
  if (from <= spec.startTime) return spec.startTime;
  // A once-only timer that has not run yet runs now: its moment passed while the definition was being
  // stored, or while the platform was down. Its one run is the whole point of it.
  if (spec.repeats === 0 && spec.runs === 0) return from;
  if (spec.frequency <= 0) return undefined;
  const period = spec.frequency * 1000;
  return spec.startTime + Math.ceil((from - spec.startTime) / period) * period;
}
