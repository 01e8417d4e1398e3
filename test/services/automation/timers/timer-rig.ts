// One node's timer registry and scheduler over a test store on a manual clock: the scheduler tests start
// one, the cluster timer tests start several over the same store. Timers are made by the test developer in
// the test system, so a test names only what differs: the timer's name and its schedule.
import type { ManualClock } from '../../../../services/kernel/clock.js';
import { createMemoryLog, type Log } from '../../../../services/kernel/log.js';
import type { TimerInput } from '../../../../services/automation/timers/definition.js';
import {
  createTimerRegistry,
  type TimerRecord,
  type TimerRegistry,
  type TimerRegistryDeps,
} from '../../../../services/automation/timers/registry.js';
import {
  createTimerScheduler,
  type TimerScheduler,
  type TimerSchedulerDeps,
} from '../../../../services/automation/timers/scheduler.js';
import { DEVELOPER_ID, SYSTEM_KEY, type TestStore } from '../store-helper.js';

/** Midnight UTC on 1 January 2026, where every manual clock of the timer tests starts. */
export const START = Date.UTC(2026, 0, 1);

/** The test developer, the creator of every timer these tests make. */
const creator = { kind: 'developer', id: DEVELOPER_ID } as const;

/** A start_time `ms` after START, so a schedule reads as an offset from the clock's start. */
export function startAt(ms: number): string {
  return new Date(START + ms).toISOString();
}

export interface TimerNode {
  readonly registry: TimerRegistry;
  readonly scheduler: TimerScheduler;
  /** Creates timer `name` in the test system as the test developer: the one create every test makes. */
  create(name: string, input: TimerInput): Promise<TimerRecord>;
}

export interface TimerNodeOptions {
  /** What the registry is given besides the store and clock (serviceExists is required there). */
  readonly registry: Omit<TimerRegistryDeps, 'store' | 'clock'>;
  /** What the scheduler is given besides the clock and registry; `log` defaults to a memory log. */
  readonly scheduler: Omit<TimerSchedulerDeps, 'clock' | 'registry' | 'log'> & { readonly log?: Log };
  /** false: loaded but not started, so a test chooses when the node arms its timers. */
  readonly start?: boolean;
}

/** Loads a registry from the store and builds its scheduler, as a platform node does at start. */
export async function startTimerNode(
  ts: TestStore,
  clock: ManualClock,
  options: TimerNodeOptions,
): Promise<TimerNode> {
  const registry = createTimerRegistry({ store: ts.store, clock, ...options.registry });
  await registry.load();
  const scheduler = createTimerScheduler({
    ...options.scheduler,
    clock,
    registry,
    log: options.scheduler.log ?? createMemoryLog(),
  });
  if (options.start !== false) scheduler.start();
  return { registry, scheduler, create: (name, input) => registry.create(SYSTEM_KEY, name, input, creator) };
}
