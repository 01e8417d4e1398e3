// The code registry (reference §3.1–3.3): services with immutable versions. Every create, update or
// rollback bundles the source, lets the engine prepare it (never on the message path), writes a new
// version and only then makes it current. Current versions live in memory: invoking reads no disk.
import type { Store } from '../store/index.js';
import type { Clock } from '../kernel/clock.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import { bundleService } from './bundle.js';
import { onCurrentVersion } from './current-version.js';
import { definition, toRecord, toVersionRecord, type VersionRow } from './definition.js';
import type { Libraries, LibraryRecord } from './libraries.js';
import { validateName } from './validate.js';
import {
  OWNER_AUTHOR,
  SERVICE_DEFAULTS,
  type RegistryChange,
  type ServiceAuthor,
  type ServiceInput,
  type ServiceRecord,
  type ServiceVersionRecord,
} from './types.js';

export interface RegistryOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly libraries: Libraries;
  /** True when `userId` is a user of the system (validates `run_user`). */
  readonly userExists?: (systemKey: string, userId: string) => boolean;
  /** Readies a version before it becomes current (the engine compiles it); throwing refuses the upload. */
  readonly prepare?: (service: ServiceRecord, bundle: string) => Promise<void>;
  /** Told after every change is written and current; awaited, so a stream has started when create returns. */
  readonly onChange?: (change: RegistryChange) => Promise<void> | void;
}

/** A current version: its definition and the script that runs. */
export interface CurrentService {
  readonly record: ServiceRecord;
  readonly bundle: string;
}

export interface Registry {
  load(): Promise<void>;
  /**
   * Re-reads one system's services from the store after another node changed them (cluster change
   * feed): new current versions are prepared and made current, vanished services dropped. Answers the
   * changes for the local follow-up (streams) and tells no `onChange` listener: the node that made them
   * already did the rest (edges, the trigger cascade).
   */
  reload(systemKey: string): Promise<RegistryChange[]>;
  names(systemKey: string): string[];
  /** The current version; throws CB_ERR_CODE_SERVICE_UNKNOWN. */
  get(systemKey: string, name: string): CurrentService;
  /** The current version or undefined (hot path: no throw). */
  find(systemKey: string, name: string): CurrentService | undefined;
  /** Whether the store holds the service: a look-up for a name this node has not loaded (yet). */
  isStored(systemKey: string, name: string): Promise<boolean>;
  all(): CurrentService[];
  /**
   * `saver` is who saves (REST, CLI); undefined for saves the platform makes itself (edge deployments).
   * Only a developer may save a version with a run_user (CB_ERR_CODE_RUN_USER_FORBIDDEN). See `authorOf`.
   */
  create(systemKey: string, name: string, input: ServiceInput, saver?: ServiceAuthor): Promise<ServiceRecord>;
  update(systemKey: string, name: string, input: ServiceInput, saver?: ServiceAuthor): Promise<ServiceRecord>;
  remove(systemKey: string, name: string): Promise<void>;
  versions(systemKey: string, name: string): Promise<ServiceVersionRecord[]>;
  version(systemKey: string, name: string, version: number): Promise<ServiceVersionRecord>;
  /** A new version with the content of `version` (and its author: a rollback vouches for nothing new). */
  rollback(systemKey: string, name: string, version: number): Promise<ServiceRecord>;
  setLogging(systemKey: string, name: string, enabled: boolean): Promise<ServiceRecord>;
  setLogLevel(systemKey: string, name: string, level: string): Promise<ServiceRecord>;
  /** Told the system after a service's switches (logging, log level) changed here without a new version. */
  onSwitched(listener: (systemKey: string) => void): () => void;
  /** Re-bundles every service using `library` as it is about to become; throws if one no longer bundles. */
  checkLibrary(library: LibraryRecord): Promise<void>;
  /** After a library changed: every dependent service gets a new version bundled with it. */
  rebundleDependents(systemKey: string, library: string): Promise<void>;
  /** Names of services whose dependencies reach `library`. */
  dependents(systemKey: string, library: string): string[];
}

const key = (systemKey: string, name: string) => `${systemKey}\u0000${name}`;

/**
 * Who vouches for a new version's code (the identity a stream runs as and a micro run is bounded by):
 * a user or device that saves becomes the author; a developer does when it brings new source (or a new
 * service), and otherwise leaves the author as it was, so a developer changing a switch of a user's
 * service never lends the developer's rights to that user's code. Platform saves keep the author.
 */
export function authorOf(
  saver: ServiceAuthor | undefined,
  previous: { readonly source: string; readonly author: ServiceAuthor } | undefined,
  source: string,
): ServiceAuthor {
  if (previous === undefined) return saver ?? OWNER_AUTHOR;
  if (saver === undefined) return previous.author;
  if (saver.kind !== 'developer' || source !== previous.source) return saver;
  return previous.author;
}

/**
 * DESIGN.md "Code services" (Identity): a run_user lends its identity to whatever code the version holds, so only a developer
 * may save a version that has one (a save that merely keeps the previous run_user included), or clear it.
 */
function runUserAllowed(
  name: string,
  def: { run_user: string },
  saver: ServiceAuthor | undefined,
  previousRunUser = '',
): void {
  if (saver === undefined || saver.kind === 'developer') return;
  if (def.run_user !== '' || previousRunUser !== '') {
    throw new IsobarError('CB_ERR_CODE_RUN_USER_FORBIDDEN', { name });
  }
}

/** Creates the registry over the store; nothing is read until `load()`. */
export function createRegistry(options: RegistryOptions): Registry {
  const { store, clock, libraries } = options;
  const current = new Map<string, CurrentService & { row: VersionRow }>();
  const queues = new Map<string, Promise<unknown>>();
  const switched = new Set<(systemKey: string) => void>();

  /** Writes to one service run one at a time, so version numbers never collide. */
  const serial = <T>(k: string, fn: () => Promise<T>): Promise<T> => {
    const next = (queues.get(k) ?? Promise.resolve()).then(fn, fn);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    queues.set(k, settled);
    void settled.then(() => {
      if (queues.get(k) === settled) queues.delete(k);
    });
    return next;
  };

  const get = (systemKey: string, name: string) => {
    const entry = current.get(key(systemKey, name));
    if (entry === undefined) throw new IsobarError('CB_ERR_CODE_SERVICE_UNKNOWN', { name });
    return entry;
  };

  /** Bundles, prepares, writes and makes current one new version. */
  const save = async (
    systemKey: string,
    name: string,
    def: ReturnType<typeof definition>,
    rolledBackFrom: number | null,
    author: ServiceAuthor,
    switches: Pick<ServiceInput, 'logging_enabled' | 'log_level'> = {},
    override?: LibraryRecord,
  ): Promise<ServiceRecord> => {
    const previous = current.get(key(systemKey, name));
    if (
      def.run_user !== '' &&
      options.userExists !== undefined &&
      !options.userExists(systemKey, def.run_user)
    ) {
      throw new IsobarError('CB_ERR_CODE_RUN_USER_UNKNOWN', { userId: def.run_user, systemKey });
    }
    const libs = await libraries.resolve(systemKey, name, def.dependencies, override);
    const bundle = await bundleService(name, def.source, libs);
    const now = clock.now();
    const row: VersionRow = {
      ...def,
      system_key: systemKey,
      version: (previous?.record.current_version ?? 0) + 1,
      bundle,
      rolled_back_from: rolledBackFrom,
      created_at: now,
      created_by_kind: author.kind,
      created_by_id: author.id,
    };
    const service = {
      logging_enabled: (switches.logging_enabled ?? previous?.record.logging_enabled) === true ? 1 : 0,
      log_level: switches.log_level ?? previous?.record.log_level ?? SERVICE_DEFAULTS.log_level,
      created_at: previous?.record.created_at ?? now,
      updated_at: now,
    };
    const record = toRecord(row, service);
    await options.prepare?.(record, bundle);
    await store.transaction(async (trx) => {
      if (previous === undefined) {
        await trx
          .insertInto('code_services')
          .values({ system_key: systemKey, name, current_version: row.version, ...service })
          .execute();
      } else {
        await trx
          .updateTable('code_services')
          .set({
            current_version: row.version,
            updated_at: now,
            logging_enabled: service.logging_enabled,
            log_level: service.log_level,
          })
          .where('system_key', '=', systemKey)
          .where('name', '=', name)
          .execute();
      }
      await trx.insertInto('code_service_versions').values(row).execute();
    });
    current.set(key(systemKey, name), { record, bundle, row });
    await options.onChange?.({ kind: 'saved', service: record, bundle });
    return record;
  };

  const setSwitches = async (systemKey: string, name: string, logging?: boolean, level?: string) => {
    const entry = get(systemKey, name);
    const record: ServiceRecord = {
      ...entry.record,
      logging_enabled: logging ?? entry.record.logging_enabled,
      log_level: level ?? entry.record.log_level,
    };
    await store.db
      .updateTable('code_services')
      .set({ logging_enabled: record.logging_enabled ? 1 : 0, log_level: record.log_level })
      .where('system_key', '=', systemKey)
      .where('name', '=', name)
      .execute();
    current.set(key(systemKey, name), { ...entry, record });
    for (const fn of switched) fn(systemKey);
  };

  const readVersion = async (systemKey: string, name: string, version: number): Promise<VersionRow> => {
    const row = await store.db
      .selectFrom('code_service_versions')
      .selectAll()
      .where('system_key', '=', systemKey)
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    if (row === undefined) throw new IsobarError('CB_ERR_CODE_VERSION_UNKNOWN', { name, version });
    return row;
  };

  /** The current version of every service (of one system), as stored. */
  const readCurrent = async (systemKey?: string): Promise<Array<CurrentService & { row: VersionRow }>> => {
    let query = store.db
      .selectFrom('code_services as h')
      .innerJoin('code_service_versions as v', onCurrentVersion)
      .selectAll('v')
      .select(['h.logging_enabled', 'h.log_level', 'h.created_at as service_created_at', 'h.updated_at']);
    if (systemKey !== undefined) query = query.where('h.system_key', '=', systemKey);
    const rows = await query.execute();
    return rows.map((r) => {
      const { logging_enabled, log_level, service_created_at, updated_at, ...row } = r;
      const record = toRecord(row, {
        logging_enabled,
        log_level,
        created_at: service_created_at,
        updated_at,
      });
      return { record, bundle: row.bundle, row };
    });
  };

  const dependents = (systemKey: string, library: string): string[] =>
    [...current.values()]
      .filter(
        (e) =>
          e.record.system_key === systemKey &&
          libraries.closure(systemKey, e.record.dependencies).has(library),
      )
      .map((e) => e.record.name)
      .sort();

  return {
    async load() {
      for (const entry of await readCurrent())
        current.set(key(entry.record.system_key, entry.record.name), entry);
    },
    async reload(systemKey) {
      const fresh = await readCurrent(systemKey);
      const changes: RegistryChange[] = [];
      const seen = new Set<string>();
      for (const entry of fresh) {
        const k = key(systemKey, entry.record.name);
        seen.add(k);
        const previous = current.get(k);
        if (previous !== undefined && previous.record.current_version === entry.record.current_version) {
          // The switches (logging, log level) change without a new version.
          current.set(k, entry);
          continue;
        }
        await options.prepare?.(entry.record, entry.bundle);
        current.set(k, entry);
        changes.push({ kind: 'saved', service: entry.record, bundle: entry.bundle });
      }
      for (const [k, entry] of [...current]) {
        if (entry.record.system_key !== systemKey || seen.has(k)) continue;
        current.delete(k);
        changes.push({ kind: 'deleted', systemKey, name: entry.record.name });
      }
      return changes;
    },
    names: (systemKey) =>
      [...current.values()]
        .filter((e) => e.record.system_key === systemKey)
        .map((e) => e.record.name)
        .sort(),
    get,
    find: (systemKey, name) => current.get(key(systemKey, name)),
    isStored: async (systemKey, name) =>
      (await store.db
        .selectFrom('code_services')
        .select('name')
        .where('system_key', '=', systemKey)
        .where('name', '=', name)
        .executeTakeFirst()) !== undefined,
    all: () => [...current.values()],
    async create(systemKey, name, input, saver) {
      validateName(name);
      return serial(key(systemKey, name), async () => {
        if (current.has(key(systemKey, name))) throw new IsobarError('CB_ERR_CODE_SERVICE_EXISTS', { name });
        const def = definition(name, input, undefined);
        runUserAllowed(name, def, saver);
        return save(systemKey, name, def, null, authorOf(saver, undefined, def.source), input);
      });
    },
    update(systemKey, name, input, saver) {
      return serial(key(systemKey, name), async () => {
        const entry = get(systemKey, name);
        const def = definition(name, input, entry.row);
        runUserAllowed(name, def, saver, entry.row.run_user);
        const previous = { source: entry.row.source, author: entry.record.created_by };
        return save(systemKey, name, def, null, authorOf(saver, previous, def.source), input);
      });
    },
    remove(systemKey, name) {
      return serial(key(systemKey, name), async () => {
        get(systemKey, name);
        await store.db
          .deleteFrom('code_services')
          .where('system_key', '=', systemKey)
          .where('name', '=', name)
          .execute();
        current.delete(key(systemKey, name));
        await options.onChange?.({ kind: 'deleted', systemKey, name });
      });
    },
    async versions(systemKey, name) {
      const entry = get(systemKey, name);
      const rows = await store.db
        .selectFrom('code_service_versions')
        .selectAll()
        .where('system_key', '=', systemKey)
        .where('name', '=', name)
        .orderBy('version', 'asc')
        .execute();
      return rows.map((r) => toVersionRecord(r, entry.record.current_version));
    },
    async version(systemKey, name, version) {
      const entry = get(systemKey, name);
      return toVersionRecord(await readVersion(systemKey, name, version), entry.record.current_version);
    },
    rollback(systemKey, name, version) {
      return serial(key(systemKey, name), async () => {
        get(systemKey, name);
        const old = await readVersion(systemKey, name, version);
        const def = definition(name, { code: old.source }, old);
        return save(systemKey, name, def, version, { kind: old.created_by_kind, id: old.created_by_id });
      });
    },
    async setLogging(systemKey, name, enabled) {
      await serial(key(systemKey, name), () => setSwitches(systemKey, name, enabled));
      return get(systemKey, name).record;
    },
    async setLogLevel(systemKey, name, level) {
      await serial(key(systemKey, name), () => setSwitches(systemKey, name, undefined, level));
      return get(systemKey, name).record;
    },
    onSwitched(listener) {
      switched.add(listener);
      return () => switched.delete(listener);
    },
    async checkLibrary(library) {
      for (const name of dependents(library.system_key, library.name)) {
        const entry = get(library.system_key, name);
        const libs = await libraries.resolve(library.system_key, name, entry.record.dependencies, library);
        await bundleService(name, entry.row.source, libs);
      }
    },
    async rebundleDependents(systemKey, library) {
      for (const name of dependents(systemKey, library)) {
        await serial(key(systemKey, name), async () => {
          const entry = get(systemKey, name);
          await save(systemKey, name, definition(name, {}, entry.row), null, entry.record.created_by);
        });
      }
    },
    dependents,
  };
}
