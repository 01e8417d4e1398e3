// Trigger definitions: stored in SQL, mirrored in memory so that matching an event (on every publish)
// never reads the disk. Writes go to the store first, then to the index.

import { IsobarError } from '../../../runtime-api/errors/index.js';
import { topicMatches } from '../../../runtime-api/topics.js';
import type { Clock } from '../../kernel/clock.js';
import { refusingDuplicates } from '../../store/dialect.js';
import type { Store } from '../../store/index.js';
import type { TriggersTable } from '../../store/tables/triggers.js';
import { assertValidName, keptColumns, recordTable, type Creator } from '../record.js';
import {
  definitionOf,
  TOPIC_FILTER_KEYS,
  validateFilters,
  type ActionKey,
  type TriggerDefinition,
} from './definitions.js';
import type { TriggerEvent } from './params.js';

/** A trigger as held in memory. */
export interface TriggerRecord {
  readonly systemKey: string;
  readonly name: string;
  readonly definition: TriggerDefinition;
  readonly action: ActionKey;
  readonly keyValuePairs: Readonly<Record<string, string>>;
  readonly serviceName: string;
  readonly creator: Creator;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Create/update body (reference §4.2); on update every field is optional. */
export interface TriggerInput {
  readonly def_module?: unknown;
  readonly def_name?: unknown;
  readonly key_value_pairs?: unknown;
  readonly service_name?: unknown;
}

export interface TriggerRegistryDeps {
  readonly store: Store;
  readonly clock: Clock;
  /** True when the system has a service of that name. */
  readonly serviceExists: (systemKey: string, name: string) => boolean | Promise<boolean>;
  /** Told after a create, update or delete made here is stored (the cluster change feed tells the others). */
  readonly written?: (systemKey: string) => void;
}

export interface TriggerRegistry {
  /** Reads every stored trigger into memory; call once before events flow. */
  load(): Promise<void>;
  list(systemKey: string): readonly TriggerRecord[];
  get(systemKey: string, name: string): TriggerRecord;
  create(systemKey: string, name: unknown, input: TriggerInput, creator: Creator): Promise<TriggerRecord>;
  update(systemKey: string, name: string, input: TriggerInput): Promise<TriggerRecord>;
  delete(systemKey: string, name: string): Promise<TriggerRecord>;
  /** sync, hot path. True when some trigger of the system listens for `action`. */
  has(systemKey: string, action: ActionKey): boolean;
  /** sync, hot path. The triggers whose filters match the event. */
  match(event: TriggerEvent): TriggerRecord[];
  /** Systems with at least one trigger for `action` (PlatformStarted fires once for each). */
  systemsWith(action: ActionKey): string[];
  /** Names of the triggers that run `service`. */
  usingService(systemKey: string, service: string): string[];
  /** Forgets a deleted system's triggers (rows go with the system by cascade). */
  forgetSystem(systemKey: string): void;
  /** Re-reads one system's triggers after another node changed them (cluster change feed). */
  reloadSystem(systemKey: string): Promise<void>;
}

function fromRow(row: TriggersTable): TriggerRecord {
  const definition = definitionOf(row.def_module, row.def_name);
  return {
    systemKey: row.system_key,
    name: row.name,
    definition,
    action: `${definition.def_module}::${definition.def_name}`,
    keyValuePairs: JSON.parse(row.key_value_pairs) as Record<string, string>,
    serviceName: row.service_name,
    creator: { kind: row.creator_kind, id: row.creator_id },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** True when every pair of the trigger matches the event (an empty filter matches everything). */
export function filtersMatch(
  pairs: Readonly<Record<string, string>>,
  values: Readonly<Record<string, string>>,
): boolean {
  for (const key in pairs) {
    const actual = values[key];
    if (actual === undefined) return false;
    if (TOPIC_FILTER_KEYS.has(key) ? !topicMatches(pairs[key], actual) : pairs[key] !== actual) return false;
  }
  return true;
}

/** Builds the registry; nothing is read until `load()`. */
export function createTriggerRegistry(deps: TriggerRegistryDeps): TriggerRegistry {
  const { store, clock } = deps;
  const table = recordTable(store, 'triggers');
  /** systemKey → name → record */
  const bySystem = new Map<string, Map<string, TriggerRecord>>();
  /** systemKey → action → records */
  const byAction = new Map<string, Map<ActionKey, TriggerRecord[]>>();

  const index = (record: TriggerRecord): void => {
    let names = bySystem.get(record.systemKey);
    if (names === undefined) bySystem.set(record.systemKey, (names = new Map()));
    const previous = names.get(record.name);
    if (previous !== undefined) unindex(previous);
    names.set(record.name, record);
    let actions = byAction.get(record.systemKey);
    if (actions === undefined) byAction.set(record.systemKey, (actions = new Map()));
    actions.set(record.action, [...(actions.get(record.action) ?? []), record]);
  };
  const unindex = (record: TriggerRecord): void => {
    bySystem.get(record.systemKey)?.delete(record.name);
    const actions = byAction.get(record.systemKey);
    const left = (actions?.get(record.action) ?? []).filter((r) => r.name !== record.name);
    if (left.length === 0) actions?.delete(record.action);
    else actions?.set(record.action, left);
  };
  const get = (systemKey: string, name: string): TriggerRecord => {
    const record = bySystem.get(systemKey)?.get(name);
    if (record === undefined) throw new IsobarError('CB_ERR_TRIGGER_UNKNOWN', { name });
    return record;
  };
  const checkService = async (systemKey: string, service: unknown): Promise<string> => {
    if (typeof service !== 'string' || service === '' || !(await deps.serviceExists(systemKey, service))) {
      throw new IsobarError('CB_ERR_TRIGGER_SERVICE_MISSING', { service: String(service ?? '') });
    }
    return service;
  };

  return {
    async load() {
      const rows = await table.rows();
      for (const row of rows) index(fromRow(row));
    },
    list: (systemKey) => [...(bySystem.get(systemKey)?.values() ?? [])],
    get,
    async create(systemKey, name, input, creator) {
      assertValidName(name);
      const definition = definitionOf(String(input.def_module ?? ''), String(input.def_name ?? ''));
      const keyValuePairs = validateFilters(definition, input.key_value_pairs);
      const serviceName = await checkService(systemKey, input.service_name);
      if (bySystem.get(systemKey)?.has(name) === true)
        throw new IsobarError('CB_ERR_TRIGGER_EXISTS', { name });
      const now = clock.now();
      const row: TriggersTable = {
        system_key: systemKey,
        name,
        def_module: definition.def_module,
        def_name: definition.def_name,
        key_value_pairs: JSON.stringify(keyValuePairs),
        service_name: serviceName,
        creator_kind: creator.kind,
        creator_id: creator.id,
        created_at: now,
        updated_at: now,
      };
      await refusingDuplicates(
        () => store.db.insertInto('triggers').values(row).execute(),
        () => new IsobarError('CB_ERR_TRIGGER_EXISTS', { name }),
      );
      const record = fromRow(row);
      index(record);
      deps.written?.(systemKey);
      return record;
    },
    async update(systemKey, name, input) {
      const current = get(systemKey, name);
      const definition = definitionOf(
        String(input.def_module ?? current.definition.def_module),
        String(input.def_name ?? current.definition.def_name),
      );
      const keyValuePairs = validateFilters(
        definition,
        input.key_value_pairs === undefined ? current.keyValuePairs : input.key_value_pairs,
      );
      const serviceName =
        input.service_name === undefined || input.service_name === current.serviceName
          ? current.serviceName
          : await checkService(systemKey, input.service_name);
      const changes = {
        def_module: definition.def_module,
        def_name: definition.def_name,
        key_value_pairs: JSON.stringify(keyValuePairs),
        service_name: serviceName,
        updated_at: clock.now(),
      };
      await table.update(systemKey, name, changes);
      const record = fromRow({ ...keptColumns(current), ...changes });
      index(record);
      deps.written?.(systemKey);
      return record;
    },
    async delete(systemKey, name) {
      const record = get(systemKey, name);
      await table.delete(systemKey, name);
      unindex(record);
      deps.written?.(systemKey);
      return record;
    },
    has: (systemKey, action) => byAction.get(systemKey)?.has(action) === true,
    match(event) {
      const candidates = byAction.get(event.systemKey)?.get(event.action);
      if (candidates === undefined) return [];
      return candidates.filter((t) => filtersMatch(t.keyValuePairs, event.filterValues));
    },
    systemsWith: (action) => [...byAction].filter(([, actions]) => actions.has(action)).map(([sk]) => sk),
    usingService: (systemKey, service) =>
      [...(bySystem.get(systemKey)?.values() ?? [])]
        .filter((t) => t.serviceName === service)
        .map((t) => t.name),
    forgetSystem(systemKey) {
      bySystem.delete(systemKey);
      byAction.delete(systemKey);
    },
    async reloadSystem(systemKey) {
      const rows = await table.rows(systemKey);
      // Swapped in one synchronous step: a publish never sees the system half re-read.
      bySystem.delete(systemKey);
      byAction.delete(systemKey);
      for (const row of rows) index(fromRow(row));
    },
  };
}
