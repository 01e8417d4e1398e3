// Cron timers: node-cron parses and validates the expression (5 or 6 fields, names, ranges, steps, `L`,
// `W`, `#`); this module answers "when is the next run after t?" in UTC from the parsed fields, so the
// scheduler can run on an injected clock (node-cron's own scheduler reads the wall clock).

import { parse, validateDetailed, type ParsedFields } from 'node-cron';
import { IsobarError } from '../../../runtime-api/errors/index.js';

/** A validated cron expression ready for `next()`. */
export interface CronSchedule {
  readonly expression: string;
  /** First run strictly after `afterMs` (epoch ms, UTC), or undefined when none within 100 years. */
  next(afterMs: number): number | undefined;
}

type DayValue = number | string;

const lastDay = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();

function nearestWeekday(y: number, m: number, target: number): number {
  const last = lastDay(y, m);
  if (target < 1 || target > last) return -1;
  const wd = new Date(Date.UTC(y, m - 1, target)).getUTCDay();
  if (wd === 6) return target === 1 ? 3 : target - 1;
  if (wd === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function domMatches(field: readonly DayValue[], y: number, m: number, d: number): boolean {
  for (const v of field) {
    if (v === d) return true;
    if (typeof v !== 'string') continue;
    if (v === 'L' && d === lastDay(y, m)) return true;
    const w = /^(\d{1,2}|L)W$/.exec(v);
    if (w !== null && nearestWeekday(y, m, w[1] === 'L' ? lastDay(y, m) : Number(w[1])) === d) return true;
    const off = /^L-(\d{1,2})$/.exec(v);
    if (off !== null && lastDay(y, m) - Number(off[1]) === d) return true;
  }
  return false;
}

function dowMatches(field: readonly DayValue[], y: number, m: number, d: number, wd: number): boolean {
  for (const v of field) {
    if (v === wd) return true;
    if (typeof v !== 'string') continue;
    const nth = /^([0-7])#([1-5])$/.exec(v);
    if (nth !== null && Number(nth[1]) % 7 === wd && Math.floor((d - 1) / 7) + 1 === Number(nth[2]))
      return true;
    const last = /^([0-7])L$/i.exec(v);
    if (last !== null && Number(last[1]) % 7 === wd && d + 7 > lastDay(y, m)) return true;
  }
  return false;
}

const MAX_DAYS = 366 * 100;

function nextAfter(f: ParsedFields, afterMs: number): number | undefined {
  const seconds = [...f.second].sort((a, b) => a - b);
  const minutes = [...f.minute].sort((a, b) => a - b);
  const hours = [...f.hour].sort((a, b) => a - b);
  // Whole seconds only: the next run is at least one second after the floor of `afterMs`.
  const base = Math.floor(afterMs / 1000) * 1000;
  const start = new Date(base);
  let day = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  for (let i = 0; i < MAX_DAYS; i++, day += 86_400_000) {
    const date = new Date(day);
    const y = date.getUTCFullYear();
    const m = date.getUTCMonth() + 1;
    const d = date.getUTCDate();
    if (!f.month.includes(m) || !domMatches(f.dayOfMonth, y, m, d)) continue;
    if (!dowMatches(f.dayOfWeek, y, m, d, date.getUTCDay())) continue;
    for (const h of hours) {
      for (const min of minutes) {
        for (const s of seconds) {
          const t = day + ((h * 60 + min) * 60 + s) * 1000;
          if (t > base) return t;
        }
      }
    }
  }
  return undefined;
}

/** Parses a node-cron expression (evaluated in UTC) or throws CB_ERR_TIMER_BAD_CRON. */
export function parseCron(expression: unknown): CronSchedule {
  if (typeof expression !== 'string' || expression.trim() === '') {
    throw new IsobarError('CB_ERR_TIMER_BAD_CRON', { value: JSON.stringify(expression), detail: 'empty' });
  }
  const check = validateDetailed(expression);
  if (!check.valid) {
    const detail = check.errors.map((e) => e.message).join('; ') || 'invalid';
    throw new IsobarError('CB_ERR_TIMER_BAD_CRON', { value: JSON.stringify(expression), detail });
  }
  const fields = parse(expression);
  if (nextAfter(fields, 0) === undefined) {
    throw new IsobarError('CB_ERR_TIMER_BAD_CRON', {
      value: JSON.stringify(expression),
      detail: 'never matches',
    });
  }
  return { expression, next: (afterMs) => nextAfter(fields, afterMs) };
}
