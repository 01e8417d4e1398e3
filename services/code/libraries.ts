// Libraries of a system (reference §3.6): immutable versions like services, compiled at upload, resolved
// for a service through its `dependencies` (transitively, dependencies first).
import type { Store } from '../store/index.js';
import type { Clock } from '../kernel/clock.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import { NATIVE_LIBRARIES, compileLibrary, parseDependencies, type BundledLibrary } from './bundle.js';
import { onCurrentVersion } from './current-version.js';
import { validateName } from './validate.js';

/** A library as the REST API shows it. */
export interface LibraryRecord {
  readonly system_key: string;
  readonly name: string;
  readonly description: string;
  readonly version: number;
  readonly code: string;
  readonly dependencies: string;
  readonly api: string;
  readonly visibility: string;
  readonly created_at: number;
}

export interface LibraryInput {
  readonly code?: string;
  readonly dependencies?: string;
  readonly description?: string;
  readonly api?: string;
  readonly visibility?: string;
}

/** Called with the libraries as they would be after a change, before it is written: throw to refuse it. */
export type LibraryCheck = (changed: LibraryRecord) => Promise<void>;

export interface Libraries {
  /** Loads every current library into memory (start-up). */
  load(): Promise<void>;
  list(systemKey: string): LibraryRecord[];
  get(systemKey: string, name: string): LibraryRecord;
  create(systemKey: string, name: string, input: LibraryInput): Promise<LibraryRecord>;
  /** New version; `check` may refuse it (dependents that no longer bundle). */
  update(systemKey: string, name: string, input: LibraryInput, check?: LibraryCheck): Promise<LibraryRecord>;
  remove(systemKey: string, name: string): Promise<void>;
  versions(systemKey: string, name: string): Promise<LibraryRecord[]>;
  version(systemKey: string, name: string, version: number): Promise<LibraryRecord>;
  /** The closure of `dependencies`, dependencies first; unknown non-native names are refused. */
  resolve(
    systemKey: string,
    owner: string,
    dependencies: string,
    override?: LibraryRecord,
  ): Promise<BundledLibrary[]>;
  /** Every library name in the closure of `dependencies` (for finding a library's dependents). */
  closure(systemKey: string, dependencies: string): Set<string>;
  /**
   * Cluster change feed: re-reads one system's current libraries after another node changed them (a
   * library edit that changes no service is otherwise never seen here); swapped in at once.
   */
  reload(systemKey: string): Promise<void>;
  /** Told the system after a library was created, updated or removed here and committed. */
  onChanged(listener: (systemKey: string) => void): () => void;
}

const key = (systemKey: string, name: string) => `${systemKey}\u0000${name}`;

/** Creates the library repository over the store; nothing is read until `load()`. */
export function createLibraries(options: { store: Store; clock: Clock }): Libraries {
  const { store, clock } = options;
  const current = new Map<string, LibraryRecord>();
  const compiled = new Map<string, { version: number; script: string }>();
  const listeners = new Set<(systemKey: string) => void>();
  const changed = (systemKey: string) => {
    for (const fn of listeners) fn(systemKey);
  };

  const get = (systemKey: string, name: string): LibraryRecord => {
    const record = current.get(key(systemKey, name));
    if (record === undefined) throw new IsobarError('CB_ERR_CODE_LIBRARY_UNKNOWN', { name });
    return record;
  };

  /** Topological order of the closure; `override` stands in for the stored library of the same name. */
  const order = (
    systemKey: string,
    owner: string,
    dependencies: string,
    override?: LibraryRecord,
  ): LibraryRecord[] => {
    const out: LibraryRecord[] = [];
    const done = new Set<string>();
    const visit = (name: string, path: string[]) => {
      if (NATIVE_LIBRARIES.has(name) || done.has(name)) return;
      if (path.includes(name))
        throw new IsobarError('CB_ERR_CODE_DEPENDENCY_CYCLE', { cycle: [...path, name].join(' -> ') });
      const lib = override?.name === name ? override : current.get(key(systemKey, name));
      if (lib === undefined)
        throw new IsobarError('CB_ERR_CODE_DEPENDENCY_UNKNOWN', {
          name: path.at(-1) ?? owner,
          dependency: name,
        });
      for (const dep of parseDependencies(lib.dependencies)) visit(dep, [...path, name]);
      done.add(name);
      out.push(lib);
    };
    for (const dep of parseDependencies(dependencies)) visit(dep, []);
    return out;
  };

  const resolve: Libraries['resolve'] = async (systemKey, owner, dependencies, override) => {
    const libs = order(systemKey, owner, dependencies, override);
    const bundled: BundledLibrary[] = [];
    for (const lib of libs) {
      const k = key(systemKey, lib.name);
      let script = lib === override ? undefined : compiled.get(k);
      if (script === undefined || script.version !== lib.version) {
        const deps = bundled.filter((b) =>
          order(systemKey, lib.name, lib.dependencies, override).some((d) => d.name === b.name),
        );
        script = { version: lib.version, script: await compileLibrary(lib.name, lib.code, deps) };
        if (lib !== override) compiled.set(k, script);
      }
      bundled.push({ name: lib.name, source: lib.code, script: script.script });
    }
    return bundled;
  };

  const toRecord = (row: {
    system_key: string;
    name: string;
    version: number;
    code: string;
    dependencies: string;
    description: string;
    api: string;
    visibility: string;
    created_at: number;
  }): LibraryRecord => ({
    system_key: row.system_key,
    name: row.name,
    description: row.description,
    version: Number(row.version),
    code: row.code,
    dependencies: row.dependencies,
    api: row.api,
    visibility: row.visibility,
    created_at: Number(row.created_at),
  });

  const write = async (
    record: LibraryRecord,
    isNew: boolean,
    check?: LibraryCheck,
  ): Promise<LibraryRecord> => {
    // Compiling the closure with the candidate in place reports syntax errors and cycles before any write.
    await resolve(record.system_key, record.name, record.name, record);
    await check?.(record);
    await store.transaction(async (trx) => {
      if (isNew) {
        await trx
          .insertInto('code_libraries')
          .values({
            system_key: record.system_key,
            name: record.name,
            current_version: record.version,
            created_at: record.created_at,
            updated_at: record.created_at,
          })
          .execute();
      } else {
        await trx
          .updateTable('code_libraries')
          .set({ current_version: record.version, updated_at: record.created_at })
          .where('system_key', '=', record.system_key)
          .where('name', '=', record.name)
          .execute();
      }
      await trx
        .insertInto('code_library_versions')
        .values({ ...record })
        .execute();
    });
    current.set(key(record.system_key, record.name), record);
    changed(record.system_key);
    return record;
  };

  /** The current version of every library (of one system), as stored. */
  const readCurrent = async (systemKey?: string) => {
    let query = store.db
      .selectFrom('code_libraries as h')
      .innerJoin('code_library_versions as v', onCurrentVersion)
      .selectAll('v');
    if (systemKey !== undefined) query = query.where('h.system_key', '=', systemKey);
    return (await query.execute()).map(toRecord);
  };

  return {
    async load() {
      for (const record of await readCurrent()) current.set(key(record.system_key, record.name), record);
    },
    async reload(systemKey) {
      const fresh = await readCurrent(systemKey);
      const names = new Set(fresh.map((r) => key(systemKey, r.name)));
      for (const [k, record] of [...current]) {
        if (record.system_key === systemKey && !names.has(k)) {
          current.delete(k);
          compiled.delete(k);
        }
      }
      // A new version is compiled when first resolved (`compiled` keeps the version it was made from).
      for (const record of fresh) current.set(key(systemKey, record.name), record);
    },
    onChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    list: (systemKey) =>
      [...current.values()]
        .filter((l) => l.system_key === systemKey)
        .sort((a, b) => a.name.localeCompare(b.name)),
    get,
    async create(systemKey, name, input) {
      validateName(name);
      if (current.has(key(systemKey, name))) throw new IsobarError('CB_ERR_CODE_LIBRARY_EXISTS', { name });
      return write(
        {
          system_key: systemKey,
          name,
          description: input.description ?? '',
          version: 1,
          code: input.code ?? '',
          dependencies: input.dependencies ?? '',
          api: input.api ?? '',
          visibility: input.visibility ?? 'system',
          created_at: clock.now(),
        },
        true,
      );
    },
    async update(systemKey, name, input, check) {
      const old = get(systemKey, name);
      return write(
        {
          ...old,
          code: input.code ?? old.code,
          dependencies: input.dependencies ?? old.dependencies,
          description: input.description ?? old.description,
          api: input.api ?? old.api,
          visibility: input.visibility ?? old.visibility,
          version: old.version + 1,
          created_at: clock.now(),
        },
        false,
        check,
      );
    },
    async remove(systemKey, name) {
      get(systemKey, name);
      const users = [...current.values()].filter(
        (l) => l.system_key === systemKey && parseDependencies(l.dependencies).includes(name),
      );
      if (users.length > 0)
        throw new IsobarError('CB_ERR_CODE_LIBRARY_IN_USE', {
          name,
          users: users.map((u) => u.name).join(', '),
        });
      await store.db
        .deleteFrom('code_libraries')
        .where('system_key', '=', systemKey)
        .where('name', '=', name)
        .execute();
      current.delete(key(systemKey, name));
      compiled.delete(key(systemKey, name));
      changed(systemKey);
    },
    async versions(systemKey, name) {
      get(systemKey, name);
      const rows = await store.db
        .selectFrom('code_library_versions')
        .selectAll()
        .where('system_key', '=', systemKey)
        .where('name', '=', name)
        .orderBy('version', 'asc')
        .execute();
      return rows.map(toRecord);
    },
    async version(systemKey, name, version) {
      get(systemKey, name);
      const row = await store.db
        .selectFrom('code_library_versions')
        .selectAll()
        .where('system_key', '=', systemKey)
        .where('name', '=', name)
        .where('version', '=', version)
        .executeTakeFirst();
      if (row === undefined) throw new IsobarError('CB_ERR_CODE_VERSION_UNKNOWN', { name, version });
      return toRecord(row);
    },
    resolve,
    closure: (systemKey, dependencies) => {
      const names = new Set<string>();
      const visit = (name: string) => {
        if (names.has(name) || NATIVE_LIBRARIES.has(name)) return;
        const lib = current.get(key(systemKey, name));
        if (lib === undefined) return;
        names.add(name);
        for (const dep of parseDependencies(lib.dependencies)) visit(dep);
      };
      for (const dep of parseDependencies(dependencies)) visit(dep);
      return names;
    },
  };
}
