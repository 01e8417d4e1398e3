// Arms one clock timer per live timer definition at its next run (computed from the definition; see
// definition.ts) and re-arms it after each firing. Runs on an injected Clock, so tests move time by
// hand. Nothing is armed until `start()`.

import type { Clock } from '../../kernel/clock.js';
import type { Log } from '../../kernel/log.js';
import { nextRun } from './definition.js';
import type { TimerRecord, TimerRegistry } from './registry.js';

export interface TimerScheduler {
  /** Arms every stored timer; later creates/updates/deletes re-arm through the registry's onChange. */
  start(): void;
  /** Epoch ms of a timer's next run, or undefined when it is done or unknown. */
  nextRunOf(systemKey: string, name: string): number | undefined;
  /** Disarms everything and waits for run counts still being written; idempotent. */
  close(): Promise<void>;
}

export interface TimerSchedulerDeps {
  readonly clock: Clock;
  readonly log: Log;
  readonly registry: TimerRegistry;
  /** One firing (synchronous hand-over): publish `$timer/<name>`, queue the service. `timer` counts this run. */
  readonly fire: (timer: TimerRecord, at: number) => void;
  /** Shortest time between two firings of one timer, seconds (config `timers.minPeriodS`; default 1). */
  readonly minPeriodS?: number;
}

/** Creates the scheduler for the registry's timers. */
export function createTimerScheduler(deps: TimerSchedulerDeps): TimerScheduler {
  const { clock, log, registry } = deps;
  const minGapMs = (deps.minPeriodS ?? 1) * 1000;
  const armed = new Map<string, { at: number; cancel: () => void }>();
  let running = false;
  const saving = new Set<Promise<void>>();
  const keyOf = (systemKey: string, name: string) => `${systemKey}\u0000${name}`;

  const disarm = (key: string) => {
    armed.get(key)?.cancel();
    armed.delete(key);
  };

  const arm = (timer: TimerRecord, from: number) => {
    const key = keyOf(timer.systemKey, timer.name);
    disarm(key);
    if (!running) return;
    const at = nextRun(timer, from);
    if (at === undefined) return;
    const cancel = clock.setTimer(at - clock.now(), () => fire(key, timer.systemKey, timer.name, at));
    armed.set(key, { at, cancel });
  };

  const fire = (key: string, systemKey: string, name: string, at: number) => {
    armed.delete(key);
    const run = registry.recordRun(systemKey, name, at);
    if (run === undefined) return;
    const saved = run.saved.catch((err: unknown) =>
      log.error('timer run not recorded', { systemKey, timer: name, err: String(err) }),
    );
    saving.add(saved);
    void saved.finally(() => saving.delete(saved));
    try {
      deps.fire(run.record, at);
    } catch (err) {
      log.error('timer firing failed', { systemKey, timer: name, err: String(err) });
    }
    // Never again within the minimum period, whatever the schedule says (a cron stored before the
    // minimum was raised, a clock that jumped).
    arm(run.record, Math.max(at + minGapMs, clock.now() + 1));
  };

  registry.onChange((systemKey, name, record) => {
    if (record === undefined) disarm(keyOf(systemKey, name));
    // From the moment the definition was validated, not from now: a "Now" timer whose store write took
    // a few ms would otherwise find its one moment passed (a once-only "Now" timer must still fire).
    else arm(record, Math.min(record.updatedAt, clock.now()));
  });

  return {
    start() {
      if (running) return;
      running = true;
      const now = clock.now();
      for (const timer of registry.all()) arm(timer, now);
    },
    nextRunOf: (systemKey, name) => armed.get(keyOf(systemKey, name))?.at,
    async close() {
      running = false;
      for (const key of [...armed.keys()]) disarm(key);
      await Promise.all(saving);
    },
  };
}
