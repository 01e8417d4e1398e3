// Arms one clock timer per live timer definition at its next run (computed from the definition; see
// definition.ts) and re-arms it after each firing. Runs on an injected Clock, so tests move time by
// hand. Nothing is armed until `start()`.
// In a cluster every node arms every timer and computes the same firings; a firing runs only on the node
// that wins `once('timer:<systemKey>:<name>:<slot>')` (README "Timers in a cluster").

import type { Clock } from '../../kernel/clock.js';
import type { Log } from '../../kernel/log.js';
import { nextRun } from './definition.js';
import type { TimerRecord, TimerRegistry } from './registry.js';

export interface TimerScheduler {
  /** Arms every stored timer; later creates/updates/deletes re-arm through the registry's onChange. */
  start(): void;
  /** Epoch ms of a timer's next run, or undefined when it is done or unknown. */
  nextRunOf(systemKey: string, name: string): number | undefined;
  /** Resolves once every firing started so far has been decided, counted and handed over (tests, close). */
  settled(): Promise<void>;
  /** Disarms everything and waits for run counts still being written and firings still deciding; idempotent. */
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
  /**
   * Cluster mode: true for the one node that runs a firing (services/kernel/cluster.ts `once`). Absent on
   * one node, where every firing runs at once (synchronously, as before).
   */
  readonly once?: (key: string, ttlMs: number) => Promise<boolean>;
}

/**
 * How long a firing's `once` key is held: nodes fire the same slot within their clock skew and event-loop
 * lag of each other; a node that fires a slot later than this (clock off, or stalled) could run it again.
 */
export const TIMER_ONCE_TTL_MS = 120_000;

/**
 * The slot a firing is known by cluster-wide. A once-only timer whose moment passed runs at each node's
 * "now", so it is known by its definition (start, or last redefinition) instead of the moment it fired.
 */
export function firingSlot(timer: TimerRecord, at: number): number {
  return timer.repeats === 0 ? Math.max(timer.startTime, timer.updatedAt) : at;
}

/** Creates the scheduler for the registry's timers. */
export function createTimerScheduler(deps: TimerSchedulerDeps): TimerScheduler {
  const { clock, log, registry } = deps;
  const minGapMs = (deps.minPeriodS ?? 1) * 1000;
  const armed = new Map<string, { at: number; cancel: () => void }>();
  let running = false;
  /** Run counts being written and cluster decisions pending: what close() waits for. */
  const inFlight = new Set<Promise<void>>();
  /** Cluster mode: the last firing still being decided per timer; the next one waits for it. */
  const claims = new Map<string, Promise<void>>();
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

  const track = (work: Promise<void>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  /** Runs a firing here: its run count to the store, then the hand-over (publish, queue the service). */
  const carryOut = (run: { record: TimerRecord; save: () => Promise<void> }, at: number) => {
    const { systemKey, name } = run.record;
    track(
      run
        .save()
        .catch((err: unknown) =>
          log.error('timer run not recorded', { systemKey, timer: name, err: String(err) }),
        ),
    );
    try {
      deps.fire(run.record, at);
    } catch (err) {
      log.error('timer firing failed', { systemKey, timer: name, err: String(err) });
    }
  };

  /**
   * Cluster mode: the node that wins the firing's slot counts the run in the store and hands it over.
   * One timer's firings are decided, counted and handed over in slot order: the store's run count and
   * the `$timer` events follow the schedule even when the clock jumps past several slots at once.
   */
  const decide = (
    once: NonNullable<TimerSchedulerDeps['once']>,
    key: string,
    timer: TimerRecord,
    at: number,
  ) => {
    const { systemKey, name } = timer;
    const slot = firingSlot(timer, at);
    const decided = (claims.get(key) ?? Promise.resolve()).then(async () => {
      let won: boolean;
      try {
        won = await once(`timer:${systemKey}:${name}:${slot}`, TIMER_ONCE_TTL_MS);
      } catch (err) {
        // Not knowing whether another node runs it, none does: a missed firing, never a double one.
        log.error('timer firing skipped: the cluster could not tell which node runs it', {
          systemKey,
          timer: name,
          at,
          err: String(err),
        });
        return;
      }
      if (!won) return;
      try {
        const counted = await registry.claimRun(systemKey, name, at);
        // undefined: it ran repeats + 1 times cluster-wide, or was deleted meanwhile
        if (counted !== undefined) deps.fire(counted, at);
      } catch (err) {
        log.error('timer firing failed', { systemKey, timer: name, err: String(err) });
      }
    });
    claims.set(key, decided);
    void decided.then(() => {
      if (claims.get(key) === decided) claims.delete(key);
    });
    track(decided);
  };

  const fire = (key: string, systemKey: string, name: string, at: number) => {
    armed.delete(key);
    // Counted on every node (each computes the next run from it); stored and run by one.
    const run = registry.recordRun(systemKey, name, at);
    if (run === undefined) return;
    if (deps.once === undefined) carryOut(run, at);
    else decide(deps.once, key, run.record, at);
    // Never again within the minimum period, whatever the schedule says (a cron stored before the
    // minimum was raised, a clock that jumped).
    arm(run.record, Math.max(at + minGapMs, clock.now() + 1));
  };

  const settled = async () => {
    // A firing still deciding may win and add its write: wait until nothing is left.
    while (inFlight.size > 0) await Promise.all(inFlight);
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
    settled,
    async close() {
      running = false;
      for (const key of [...armed.keys()]) disarm(key);
      await settled();
    },
  };
}
