// A timer's next runs, computed in the browser from what the timers REST answers (next_run, frequency,
// repeats, runs, cron, timezone) with the same cron library and options the platform schedules with
// (services/automation/timers/cron.ts), so the page shows what the scheduler will do.
import { Cron } from 'croner';

/** The fields of a timer the schedule depends on (`GET /admin/triggers/timers/{sk}`). */
export interface TimerSchedule {
  readonly next_run: string | null;
  readonly frequency?: number;
  readonly repeats?: number;
  readonly runs?: number;
  readonly cron?: string;
  readonly timezone?: string;
}

/** Up to `n` coming runs (epoch ms, ascending); empty when the timer is done. */
export function nextRuns(t: TimerSchedule, n: number): number[] {
  if (t.next_run === null || n <= 0) return [];
  const first = Date.parse(t.next_run);
  if (Number.isNaN(first)) return [];
  // repeats: -1 forever, else the runs after the first; `runs` already happened.
  const repeats = t.repeats ?? 0;
  const left = repeats < 0 ? n : Math.max(0, Math.min(n, repeats + 1 - (t.runs ?? 0)));
  if (left === 0) return [];
  const out = [first];
  if (t.cron !== undefined && t.cron !== '') {
    const cron = new Cron(t.cron, {
      paused: true,
      timezone: t.timezone ?? 'UTC',
      domAndDow: false,
      mode: '5-or-6-parts',
    });
    for (const d of cron.nextRuns(left - 1, new Date(first))) out.push(d.getTime());
    return out;
  }
  const step = (t.frequency ?? 0) * 1000;
  if (step <= 0) return out;
  while (out.length < left) out.push(first + out.length * step);
  return out;
}

/** How a timer repeats, in words: `every 60 s, forever`, `cron 0 * * * * (UTC)`, `once`. */
export function describeSchedule(t: TimerSchedule): string {
  const times = (t.repeats ?? 0) < 0 ? 'forever' : `${String((t.repeats ?? 0) + 1)} runs`;
  if (t.cron !== undefined && t.cron !== '') return `cron ${t.cron} (${t.timezone ?? 'UTC'}), ${times}`;
  if ((t.repeats ?? 0) === 0) return 'once';
  return `every ${String(t.frequency ?? 0)} s, ${times}`;
}
