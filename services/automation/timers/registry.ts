// Timer definitions: stored in SQL (they survive restarts), mirrored in memory for the scheduler and
// the REST reads. Writes go to the store first, then to memory; `onChange` tells the scheduler.

import { IsobarError } from '../../../runtime-api/errors/index.js';
import type { Clock } from '../../kernel/clock.js';
import type { Log } from '../../kernel/log.js';
import { refusingDuplicates } from '../../store/dialect.js';
import type { Store } from '../../store/index.js';
import type { TimersTable } from '../../store/tables/triggers.js';
import { assertValidName, keptColumns, recordTable, type Creator } from '../record.js';
import { assertPeriod, parseTimerSpec, type TimerInput, type TimerSpec } from './definition.js';

/** A timer as held in memory. */
export interface TimerRecord extends TimerSpec {
  readonly systemKey: string;
  readonly name: string;
  readonly description: string;
  /** '' = the timer only publishes `$timer/<name>`. */
  readonly serviceName: string;
  readonly creator: Creator;
  readonly lastRun: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Bounds on timers (config `timers.*`), so no system can flood the engine with firings. */
export interface TimerLimits {
  /** Shortest period in seconds a frequency or cron schedule may have. */
  readonly minPeriodS: number;
  /** Most timers per system. */
  readonly maxPerSystem: number;
}

export const DEFAULT_TIMER_LIMITS: TimerLimits = { minPeriodS: 1, maxPerSystem: 100 };

export interface TimerRegistryDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly serviceExists: (systemKey: string, name: string) => boolean | Promise<boolean>;
  readonly limits?: TimerLimits;
  /** Where clamping a stored timer on load is reported. */
  readonly log?: Log;
  /** Told after a create, update or delete made here is stored (the cluster change feed tells the others). */
  readonly written?: (systemKey: string) => void;
}

export interface TimerRegistry {
  load(): Promise<void>;
  all(): readonly TimerRecord[];
  list(systemKey: string): readonly TimerRecord[];
  get(systemKey: string, name: string): TimerRecord;
  create(systemKey: string, name: unknown, input: TimerInput, creator: Creator): Promise<TimerRecord>;
  update(systemKey: string, name: string, input: TimerInput): Promise<TimerRecord>;
  delete(systemKey: string, name: string): Promise<TimerRecord>;
  /**
   * Records one run in memory at once (the next run is computed from it); `save` writes it to the store
   * (in a cluster only the node that runs the firing does); undefined when the timer is gone.
   */
  recordRun(
    systemKey: string,
    name: string,
    at: number,
  ): { record: TimerRecord; save: () => Promise<void> } | undefined;
  /**
   * Cluster mode, on the node that won a firing: counts the run in the store in one statement
   * (`runs = runs + 1` unless the timer already ran `repeats + 1` times) and answers the timer with the
   * stored count, so the run number and the repeats bound are cluster-wide; undefined = gone or done.
   */
  claimRun(systemKey: string, name: string, at: number): Promise<TimerRecord | undefined>;
  /**
   * Re-reads one system's timers after another node changed them (cluster change feed): new and
   * redefined timers are (re)armed through `onChange`, vanished ones disarmed; a timer whose definition
   * is unchanged keeps its schedule and takes the larger run count.
   */
  reloadSystem(systemKey: string): Promise<void>;
  usingService(systemKey: string, service: string): string[];
  forgetSystem(systemKey: string): TimerRecord[];
  /** Called after every create, update (with the new record) and delete (with undefined). */
  onChange(listener: (systemKey: string, name: string, record: TimerRecord | undefined) => void): void;
}

function fromRow(row: TimersTable): TimerRecord {
  return {
    systemKey: row.system_key,
    name: row.name,
    description: row.description,
    startTime: row.start_time,
    repeats: row.repeats,
    frequency: row.frequency,
    ...(row.cron === null ? {} : { cron: row.cron }),
    ...(row.timezone === 'UTC' ? {} : { timezone: row.timezone }),
    serviceName: row.service_name,
    creator: { kind: row.creator_kind, id: row.creator_id },
    runs: row.runs,
    lastRun: row.last_run,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The stored columns of a parsed schedule: a create and an update write the same ones. */
function scheduleColumns(spec: Omit<TimerSpec, 'runs'>) {
  return {
    start_time: spec.startTime,
    repeats: spec.repeats,
    frequency: spec.frequency,
    cron: spec.cron ?? null,
    timezone: spec.timezone ?? 'UTC',
  };
}

/** Builds the registry; nothing is read until `load()`. */
export function createTimerRegistry(deps: TimerRegistryDeps): TimerRegistry {
  const { store, clock } = deps;
  const table = recordTable(store, 'timers');
  const limits = deps.limits ?? DEFAULT_TIMER_LIMITS;
  // Creates between their check and their insert, per system: the cap holds under concurrent creates.
  const reserved = new Map<string, number>();
  const bySystem = new Map<string, Map<string, TimerRecord>>();
  const listeners: Array<(systemKey: string, name: string, record: TimerRecord | undefined) => void> = [];

  const put = (record: TimerRecord): TimerRecord => {
    let names = bySystem.get(record.systemKey);
    if (names === undefined) bySystem.set(record.systemKey, (names = new Map()));
    names.set(record.name, record);
    return record;
  };
  const changed = (systemKey: string, name: string, record: TimerRecord | undefined) => {
    for (const l of listeners) l(systemKey, name, record);
  };
  const get = (systemKey: string, name: string): TimerRecord => {
    const record = bySystem.get(systemKey)?.get(name);
    if (record === undefined) throw new IsobarError('CB_ERR_TIMER_UNKNOWN', { name });
    return record;
  };
  const checkService = async (systemKey: string, service: unknown): Promise<string> => {
    if (service === undefined || service === null || service === '') return '';
    if (typeof service !== 'string' || !(await deps.serviceExists(systemKey, service))) {
      throw new IsobarError('CB_ERR_TRIGGER_SERVICE_MISSING', { service: String(service) });
    }
    return service;
  };
  const description = (value: unknown, fallback: string) =>
    value === undefined || value === null ? fallback : String(value);

  const insert = async (
    systemKey: string,
    name: string,
    input: TimerInput,
    creator: Creator,
    now: number,
    spec: Omit<TimerSpec, 'runs'>,
  ): Promise<TimerRecord> => {
    const serviceName = await checkService(systemKey, input.service_name);
    if (bySystem.get(systemKey)?.has(name) === true) throw new IsobarError('CB_ERR_TIMER_EXISTS', { name });
    const row: TimersTable = {
      system_key: systemKey,
      name,
      description: description(input.description, ''),
      ...scheduleColumns(spec),
      service_name: serviceName,
      creator_kind: creator.kind,
      creator_id: creator.id,
      runs: 0,
      last_run: null,
      created_at: now,
      updated_at: now,
    };
    await refusingDuplicates(
      () => store.db.insertInto('timers').values(row).execute(),
      () => new IsobarError('CB_ERR_TIMER_EXISTS', { name }),
    );
    const record = put(fromRow(row));
    changed(systemKey, name, record);
    deps.written?.(systemKey);
    return record;
  };
  // A timer stored under an older, lower minimum runs at today's minimum; its stored row is left as is
  // (lowering the minimum again restores it).
  const clamped = (record: TimerRecord): TimerRecord => {
    if (record.cron !== undefined || record.repeats === 0 || record.frequency >= limits.minPeriodS)
      return record;
    deps.log?.warn('stored timer runs more often than the minimum period: clamped', {
      systemKey: record.systemKey,
      timer: record.name,
      frequency: record.frequency,
      min: limits.minPeriodS,
    });
    return { ...record, frequency: limits.minPeriodS };
  };

  return {
    async load() {
      const rows = await table.rows();
      for (const row of rows) put(clamped(fromRow(row)));
    },
    all: () => [...bySystem.values()].flatMap((m) => [...m.values()]),
    list: (systemKey) => [...(bySystem.get(systemKey)?.values() ?? [])],
    get,
    async create(systemKey, name, input, creator) {
      assertValidName(name);
      const now = clock.now();
      const spec = parseTimerSpec(input, now);
      assertPeriod(name, spec, limits.minPeriodS, now);
      const held = (bySystem.get(systemKey)?.size ?? 0) + (reserved.get(systemKey) ?? 0);
      if (held >= limits.maxPerSystem) {
        throw new IsobarError('CB_ERR_TIMER_LIMIT', { limit: limits.maxPerSystem });
      }
      reserved.set(systemKey, (reserved.get(systemKey) ?? 0) + 1);
      try {
        return await insert(systemKey, name, input, creator, now, spec);
      } finally {
        const left = (reserved.get(systemKey) ?? 1) - 1;
        if (left === 0) reserved.delete(systemKey);
        else reserved.set(systemKey, left);
      }
    },
    async update(systemKey, name, input) {
      const current = get(systemKey, name);
      const now = clock.now();
      // Fields left out keep their value; a new schedule starts counting runs afresh.
      const merged: TimerInput = {
        start_time: input.start_time ?? new Date(current.startTime).toISOString(),
        repeats: input.repeats ?? current.repeats,
        frequency: input.frequency ?? current.frequency,
        cron: input.cron === undefined ? current.cron : input.cron,
        timezone: input.timezone === undefined ? current.timezone : input.timezone,
      };
      const spec = parseTimerSpec(merged, now);
      assertPeriod(name, spec, limits.minPeriodS, now);
      const serviceName =
        input.service_name === undefined
          ? current.serviceName
          : await checkService(systemKey, input.service_name);
      const changes = {
        description: description(input.description, current.description),
        ...scheduleColumns(spec),
        service_name: serviceName,
        runs: 0,
        updated_at: now,
      };
      await table.update(systemKey, name, changes);
      const record = put(fromRow({ ...keptColumns(current), ...changes, last_run: current.lastRun }));
      changed(systemKey, name, record);
      deps.written?.(systemKey);
      return record;
    },
    async delete(systemKey, name) {
      const record = get(systemKey, name);
      await table.delete(systemKey, name);
      bySystem.get(systemKey)?.delete(name);
      changed(systemKey, name, undefined);
      deps.written?.(systemKey);
      return record;
    },
    recordRun(systemKey, name, at) {
      const current = bySystem.get(systemKey)?.get(name);
      if (current === undefined) return undefined;
      const record = put({ ...current, runs: current.runs + 1, lastRun: at });
      const save = () => table.update(systemKey, name, { runs: record.runs, last_run: at });
      return { record, save };
    },
    async claimRun(systemKey, name, at) {
      const row = await store.db
        .updateTable('timers')
        .set((eb) => ({ runs: eb('runs', '+', 1), last_run: at }))
        .where('system_key', '=', systemKey)
        .where('name', '=', name)
        .where((eb) => eb.or([eb('repeats', '<', 0), eb('runs', '<=', eb.ref('repeats'))]))
        .returning(['runs'])
        .executeTakeFirst();
      const current = bySystem.get(systemKey)?.get(name);
      if (row === undefined || current === undefined) return undefined;
      // Every node counted this firing already (recordRun); the store's count is the cluster's run number.
      put({ ...current, runs: Math.max(current.runs, row.runs), lastRun: at });
      return { ...current, runs: row.runs, lastRun: at };
    },
    async reloadSystem(systemKey) {
      const rows = await table.rows(systemKey);
      const known = bySystem.get(systemKey) ?? new Map<string, TimerRecord>();
      const seen = new Set<string>();
      for (const row of rows) {
        seen.add(row.name);
        const held = known.get(row.name);
        if (held !== undefined && held.updatedAt === row.updated_at) {
          // Same definition: the schedule stands; runs counted by whichever node ran them.
          if (row.runs > held.runs) put({ ...held, runs: row.runs, lastRun: row.last_run });
          continue;
        }
        changed(systemKey, row.name, put(clamped(fromRow(row))));
      }
      for (const name of [...known.keys()]) {
        if (seen.has(name)) continue;
        known.delete(name);
        changed(systemKey, name, undefined);
      }
    },
    usingService: (systemKey, service) =>
      [...(bySystem.get(systemKey)?.values() ?? [])]
        .filter((t) => t.serviceName === service)
        .map((t) => t.name),
    forgetSystem(systemKey) {
      const gone = [...(bySystem.get(systemKey)?.values() ?? [])];
      bySystem.delete(systemKey);
      for (const t of gone) changed(systemKey, t.name, undefined);
      return gone;
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}
