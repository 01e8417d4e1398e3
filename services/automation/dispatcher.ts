// Runs trigger and timer work off the publisher's path. Each service has its own lane (a bounded FIFO
// and a concurrency cap), so a slow or failing service fills only its own lane; a global cap bounds
// memory. Overflow is counted and logged (first drop, then at powers of two, so a storm cannot flood
// the log). The call-depth rule is not checked here: the invoke door (services/code/invoke.ts) owns it
// for every source, and a job too deep answers CB_ERR_SANDBOX_DEPTH there, logged by the component.

import { IsobarError } from '../../runtime-api/errors/index.js';
import { systemClock, type Clock } from '../kernel/clock.js';
import type { Log } from '../kernel/log.js';
import type { Creator } from './record.js';

/** One service run to make. */
export interface Job {
  readonly systemKey: string;
  readonly service: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Hop of the invocation: the causing message's hop (services publish at their hop + 1); 0 for timers. */
  readonly hop: number;
  /** `trigger <name>` or `timer <name>`, for logs. */
  readonly source: string;
  readonly creator: Creator;
}

export interface DispatcherOptions {
  /** Most jobs waiting per service. */
  readonly laneCapacity: number;
  /** Most jobs waiting over all services. */
  readonly totalCapacity: number;
  /** Most runs of one service at a time. */
  readonly concurrency: number;
  /** Most queued jobs of one service handed over together (`runBatch`); 1 (the default) one by one. */
  readonly batchSize?: number;
  /**
   * With `runBatch`: a service's next batch starts beside one in flight only once the youngest batch in flight
   * has run this long (ms); until then its events queue and leave together when a batch ends. Default 5.
   */
  readonly spreadAfterMs?: number;
}

export const DEFAULT_DISPATCHER_OPTIONS: DispatcherOptions = {
  laneCapacity: 1000,
  totalCapacity: 20000,
  concurrency: 8,
  batchSize: 16,
};

export interface DispatcherStats {
  readonly queued: number;
  readonly running: number;
  readonly completed: number;
  readonly failed: number;
  readonly dropped: number;
}

export interface Dispatcher {
  /** Queues a job; false when it was refused (overflow, closing). Never blocks. */
  enqueue(job: Job): boolean;
  stats(): DispatcherStats;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
  /** Stops accepting and waits for queued and running jobs; idempotent. */
  close(): Promise<void>;
}

interface Lane {
  /** Slots before `head` are cleared so their params can be collected. */
  items: Array<Job | undefined>;
  head: number;
  running: number;
  /** Clock ms when its youngest batch in flight started. */
  youngest: number;
  /** Cancels the timer that spreads the lane's waiting jobs to a second batch (spreadAfterMs). */
  spread?: () => void;
}

/**
 * Creates a dispatcher; `run` performs one job and may throw (counted and logged as failed). With `runBatch`,
 * the jobs queued for one service when a run slot frees (up to `batchSize`) go together, in order: a batch
 * answers one error or undefined per job, or throws for all of them.
 *
 * Batched lanes grow their concurrency by time, not by backlog: a hot service whose batches end quickly keeps
 * one batch (one warm isolate) in flight and its events queue into the next batch, which costs ~30 % less CPU
 * per event than spreading them over up to `concurrency` isolates (bench/README.md, "workflow"); a batch still
 * running after `spreadAfterMs` (waiting on I/O, sleeping) lets the next one start beside it.
 */
export function createDispatcher(
  options: DispatcherOptions,
  deps: {
    readonly log: Log;
    readonly run: (job: Job) => Promise<void>;
    readonly runBatch?: (jobs: readonly Job[]) => Promise<ReadonlyArray<unknown>>;
    /** For spreadAfterMs; the system clock when absent. */
    readonly clock?: Clock;
  },
): Dispatcher {
  const { log, run, runBatch } = deps;
  const clock = deps.clock ?? systemClock;
  const spreadAfterMs = options.spreadAfterMs ?? 5;
  /** Most jobs handed over together. */
  const size = runBatch === undefined ? 1 : Math.max(1, options.batchSize ?? 1);
  const failedJob = (job: Job, err: unknown) => {
    failed++;
    log.warn('trigger service run failed', {
      systemKey: job.systemKey,
      service: job.service,
      source: job.source,
      err: String(err),
    });
  };
  /** Runs `jobs` (one service, in order) and counts each. */
  const perform = async (jobs: readonly Job[]): Promise<void> => {
    if (jobs.length === 1 || runBatch === undefined) {
      for (const job of jobs) {
        await run(job).then(
          () => void completed++,
          (err: unknown) => failedJob(job, err),
        );
      }
      return;
    }
    let errors: ReadonlyArray<unknown>;
    try {
      errors = await runBatch(jobs);
    } catch (err) {
      errors = jobs.map(() => err);
    }
    jobs.forEach((job, i) => (errors[i] === undefined ? completed++ : failedJob(job, errors[i])));
  };
  const lanes = new Map<string, Lane>();
  let queued = 0;
  let running = 0;
  let completed = 0;
  let failed = 0;
  let dropped = 0;
  let closed = false;
  let idleWaiters: Array<() => void> = [];

  const settleIdle = () => {
    if (queued !== 0 || running !== 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  const pump = (key: string, lane: Lane): void => {
    while (lane.running < options.concurrency && lane.head < lane.items.length) {
      if (size > 1 && lane.running > 0) {
        const wait = lane.youngest + spreadAfterMs - clock.now();
        if (wait > 0) {
          lane.spread ??= clock.setTimer(wait, () => {
            lane.spread = undefined;
            pump(key, lane);
          });
          return;
        }
      }
      lane.spread?.();
      lane.spread = undefined;
      lane.youngest = clock.now();
      // The loop's condition leaves at least one job at `head`: `jobs` is never empty.
      const jobs: Job[] = [];
      while (jobs.length < size && lane.head < lane.items.length) {
        const job = lane.items[lane.head];
        lane.items[lane.head++] = undefined;
        if (job !== undefined) jobs.push(job);
      }
      if (lane.head > 1024 && lane.head * 2 > lane.items.length) {
        lane.items = lane.items.slice(lane.head);
        lane.head = 0;
      }
      queued -= jobs.length;
      lane.running++;
      running += jobs.length;
      void perform(jobs).finally(() => {
        lane.running--;
        running -= jobs.length;
        if (lane.running === 0 && lane.head >= lane.items.length) lanes.delete(key);
        else pump(key, lane);
        settleIdle();
      });
    }
  };

  return {
    enqueue(job) {
      if (closed) return false;
      const key = `${job.systemKey}\u0000${job.service}`;
      let lane = lanes.get(key);
      if (lane === undefined) lanes.set(key, (lane = { items: [], head: 0, running: 0, youngest: 0 }));
      if (lane.items.length - lane.head >= options.laneCapacity || queued >= options.totalCapacity) {
        dropped++;
        if ((dropped & (dropped - 1)) === 0) {
          const limit = queued >= options.totalCapacity ? options.totalCapacity : options.laneCapacity;
          const err = new IsobarError('CB_ERR_TRIGGER_QUEUE_FULL', { limit, service: job.service });
          log.error(err.message, { code: err.code, systemKey: job.systemKey, source: job.source, dropped });
        }
        return false;
      }
      lane.items.push(job);
      queued++;
      pump(key, lane);
      return true;
    },
    stats: () => ({ queued, running, completed, failed, dropped }),
    idle() {
      if (queued === 0 && running === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    close() {
      closed = true;
      return this.idle();
    },
  };
}
