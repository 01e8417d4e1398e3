// Retention: per-filter `max_rows` / `max_time` and the system-wide auto-delete, enforced by a pass every
// few seconds that deletes at most a budget of rows in small transactions, so no pass holds a long lock
// and a backlog drains over successive passes.
import type { Clock } from '../kernel/clock.js';
import type { Log } from '../kernel/log.js';
import type { AutoDelete, StorageFilter } from './settings.js';
import type { HistoryWriter, TopicSummary, TrimStep } from './writer.js';

export interface RetentionOptions {
  /** ms between passes. */
  readonly intervalMs: number;
  /** Most rows one pass deletes. */
  readonly budget: number;
  /** Most rows one transaction deletes. */
  readonly chunk: number;
}

/** The settings retention reads. */
export interface RetentionRules {
  filterFor(systemKey: string, topic: string): StorageFilter | undefined;
  autodelete(systemKey: string): AutoDelete;
}

/**
 * Decides what one pass deletes. Per topic: rows older than the filter's `max_time`, else the rows beyond
 * its `max_rows`. Per system with auto-delete on: rows older than `expiration_age_seconds`, and the excess
 * over `max_rows` / `max_size_kb` taken from each topic in proportion to its share (oldest rows first).
 */
export function planRetention(
  topics: readonly TopicSummary[],
  rules: RetentionRules,
  now: number,
  budget: number,
): TrimStep[] {
  const steps: TrimStep[] = [];
  const bySystem = new Map<string, TopicSummary[]>();
  for (const t of topics) {
    const list = bySystem.get(t.systemKey);
    if (list === undefined) bySystem.set(t.systemKey, [t]);
    else list.push(t);
  }
  for (const [systemKey, list] of bySystem) {
    const auto = rules.autodelete(systemKey);
    const autoOn = auto.enabled;
    let expiring = false;
    for (const t of list) {
      const f = rules.filterFor(systemKey, t.topic);
      const cutoff = timeCutoff(t, rules, now);
      if (cutoff !== undefined && t.oldest < cutoff) {
        // Counters are stale until the time step ran: the row bound waits for the next pass.
        steps.push({ topicId: t.topicId, limit: t.rows, olderThan: cutoff });
        expiring = true;
      } else if (f !== undefined && f.max_rows > 0 && t.rows > f.max_rows) {
        steps.push({ topicId: t.topicId, limit: t.rows - f.max_rows });
      }
    }
    // Size bounds are judged on counters after expiry has run: the next pass.
    if (!autoOn || expiring) continue;
    const rows = list.reduce((s, t) => s + t.rows, 0);
    const bytes = list.reduce((s, t) => s + t.bytes, 0);
    const rowExcess = auto.max_rows > 0 ? rows - auto.max_rows : 0;
    const byteExcess = auto.max_size_kb > 0 ? bytes - auto.max_size_kb * 1024 : 0;
    const share = Math.max(rows > 0 ? rowExcess / rows : 0, bytes > 0 ? byteExcess / bytes : 0);
    if (share <= 0) continue;
    for (const t of list) {
      const planned = steps.find((s) => s.topicId === t.topicId);
      const want = Math.ceil(t.rows * share);
      if (planned === undefined) steps.push({ topicId: t.topicId, limit: want });
      else if (want > planned.limit) steps[steps.indexOf(planned)] = { topicId: t.topicId, limit: want };
    }
  }
  return capSteps(steps, budget);
}

/** Epoch ms before which a topic's messages expire (its filter's `max_time`, its system's auto-delete age). */
function timeCutoff(t: TopicSummary, rules: RetentionRules, now: number): number | undefined {
  const auto = rules.autodelete(t.systemKey);
  const autoCutoff =
    auto.enabled && auto.expiration_age_seconds > 0 ? now - auto.expiration_age_seconds * 1000 : undefined;
  const f = rules.filterFor(t.systemKey, t.topic);
  const filterCutoff = f !== undefined && f.max_time > 0 ? now - f.max_time * 1000 : undefined;
  if (filterCutoff === undefined) return autoCutoff;
  return autoCutoff === undefined ? filterCutoff : Math.max(filterCutoff, autoCutoff);
}

/** Topic id → time cutoff, for the topics that have one (whole-day drops on PostgreSQL). */
export function topicCutoffs(
  topics: readonly TopicSummary[],
  rules: RetentionRules,
  now: number,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const t of topics) {
    const cutoff = timeCutoff(t, rules, now);
    if (cutoff !== undefined) out.set(t.topicId, cutoff);
  }
  return out;
}

function capSteps(steps: readonly TrimStep[], budget: number): TrimStep[] {
  const out: TrimStep[] = [];
  let left = budget;
  for (const s of steps) {
    if (left <= 0) break;
    const limit = Math.min(s.limit, left);
    out.push({ ...s, limit });
    left -= limit;
  }
  return out;
}

export interface Retention {
  /** Runs one pass now; resolves with the rows deleted. Passes never overlap. */
  runOnce(): Promise<number>;
  /** Schedules passes every `intervalMs` on the clock. */
  start(): void;
  /** Stops scheduling and waits for a running pass; idempotent. */
  close(): Promise<void>;
}

/** Builds the retention loop over the writer thread. */
export function createRetention(
  options: RetentionOptions,
  deps: {
    writer: HistoryWriter;
    rules: RetentionRules;
    clock: Clock;
    log: Log;
    beforePass?: () => Promise<void>;
    /** False while there is provably nothing to trim (no stored history, nothing captured yet). */
    worthRunning?: () => boolean;
    /** Cluster mode: resolves true on the one node that runs the pass due at `now` (the others skip it). */
    claim?: (now: number) => Promise<boolean>;
  },
): Retention {
  let running: Promise<number> | undefined;
  let cancel: (() => void) | undefined;
  let closed = false;
  const pass = async (): Promise<number> => {
    if (deps.worthRunning?.() === false) return 0;
    if (deps.claim !== undefined && !(await deps.claim(deps.clock.now()))) return 0;
    await deps.beforePass?.();
    // Read after the flush: the pass judges ages at the time it actually runs.
    const now = deps.clock.now();
    let topics = await deps.writer.topics();
    let dropped = 0;
    if (deps.writer.partitions !== undefined) {
      // Whole expired days first (one DROP each); rows of what is left go by the plan below.
      dropped = await deps.writer.partitions(now, topicCutoffs(topics, deps.rules, now));
      if (dropped > 0) topics = await deps.writer.topics();
    }
    const steps = planRetention(topics, deps.rules, now, options.budget);
    if (steps.length === 0) return dropped;
    return dropped + (await deps.writer.trim(steps, options.chunk));
  };
  const runOnce = (): Promise<number> => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const schedule = (): void => {
    if (closed) return;
    cancel = deps.clock.setTimer(options.intervalMs, () => {
      void runOnce()
        .then(
          (n) => {
            if (n > 0) deps.log.debug('history retention pass', { deleted: n });
          },
          (err: unknown) => deps.log.error('history retention pass failed', { err: String(err) }),
        )
        .finally(schedule);
    });
  };
  return {
    runOnce,
    start() {
      if (cancel === undefined) schedule();
    },
    async close() {
      closed = true;
      cancel?.();
      await running?.catch(() => 0);
    },
  };
}
