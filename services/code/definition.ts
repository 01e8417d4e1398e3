// Service definitions as rows and records: merging an input over the previous version, the checks every
// save applies, and the shapes GET and the history endpoints answer. Pure functions over plain data.
import type { CodeServiceVersionsTable } from '../store/tables/code.js';
import { check } from './validate.js';
import {
  SERVICE_DEFAULTS,
  type ServiceInput,
  type ServiceRecord,
  type ServiceVersionRecord,
} from './types.js';

/** One stored version as the registry reads and writes it. */
export type VersionRow = Omit<CodeServiceVersionsTable, 'system_key'> & { system_key: string };

/** The versioned part of an input, merged over `base` and checked. */
export function definition(
  name: string,
  input: ServiceInput,
  base: VersionRow | undefined,
): Omit<
  VersionRow,
  | 'version'
  | 'bundle'
  | 'system_key'
  | 'created_at'
  | 'rolled_back_from'
  | 'created_by_kind'
  | 'created_by_id'
> {
  const params = input.parameters ?? input.params;
  const out = {
    name,
    source: input.code ?? base?.source ?? '',
    params: params !== undefined ? JSON.stringify(params.map(String)) : (base?.params ?? '[]'),
    dependencies: input.dependencies ?? base?.dependencies ?? '',
    run_user: input.run_user ?? base?.run_user ?? '',
    execution_timeout:
      input.execution_timeout ?? base?.execution_timeout ?? SERVICE_DEFAULTS.execution_timeout,
    auto_restart: input.auto_restart !== undefined ? Number(input.auto_restart) : (base?.auto_restart ?? 0),
    auto_balance: input.auto_balance !== undefined ? Number(input.auto_balance) : (base?.auto_balance ?? 0),
    concurrency: input.concurrency ?? base?.concurrency ?? 0,
    log_ttl_minutes: input.log_ttl_minutes ?? base?.log_ttl_minutes ?? SERVICE_DEFAULTS.log_ttl_minutes,
    memory_limit_mb:
      input.memory_limit_mb !== undefined ? input.memory_limit_mb : (base?.memory_limit_mb ?? null),
    allow_wasm: input.allow_wasm !== undefined ? Number(input.allow_wasm) : (base?.allow_wasm ?? 0),
    strict_isolation:
      input.strict_isolation !== undefined ? Number(input.strict_isolation) : (base?.strict_isolation ?? 0),
    description: input.description ?? base?.description ?? '',
  };
  // 0 is what some exports carry for "not set"; ClearBlade's tooling means the default then.
  if (out.execution_timeout === 0) out.execution_timeout = SERVICE_DEFAULTS.execution_timeout;
  const t = out.execution_timeout;
  check(
    Number.isInteger(t) && (t === -1 || (t >= 1 && t <= 86400)),
    name,
    'execution_timeout must be -1 or 1..86400 seconds',
  );
  check(
    Number.isInteger(out.concurrency) && out.concurrency >= 0 && out.concurrency <= 64,
    name,
    'concurrency must be 0..64',
  );
  check(
    Number.isInteger(out.log_ttl_minutes) && out.log_ttl_minutes >= 1,
    name,
    'log_ttl_minutes must be at least 1',
  );
  const mem = out.memory_limit_mb;
  check(
    mem === null || (Number.isInteger(mem) && mem >= 8 && mem <= 4096),
    name,
    'memory_limit_mb must be 8..4096',
  );
  check(out.source.trim() !== '', name, 'code is empty');
  return out;
}

/** The GET shape of a current version and its service row. */
export function toRecord(
  row: VersionRow,
  service: { logging_enabled: number; log_level: string; created_at: number; updated_at: number },
): ServiceRecord {
  return {
    system_key: row.system_key,
    name: row.name,
    code: row.source,
    ...versionSettings(row),
    logging_enabled: service.logging_enabled === 1,
    log_level: service.log_level,
    current_version: Number(row.version),
    created_by: { kind: row.created_by_kind, id: row.created_by_id },
    created_at: Number(service.created_at),
    updated_at: Number(service.updated_at),
  };
}

/** What a version holds besides its code, in the key order both the service and the version shapes list it. */
function versionSettings(row: VersionRow) {
  return {
    params: JSON.parse(row.params) as string[],
    dependencies: row.dependencies,
    run_user: row.run_user,
    execution_timeout: row.execution_timeout,
    auto_restart: row.auto_restart === 1,
    auto_balance: row.auto_balance === 1,
    concurrency: row.concurrency,
    log_ttl_minutes: row.log_ttl_minutes,
    memory_limit_mb: row.memory_limit_mb,
    allow_wasm: row.allow_wasm === 1,
    strict_isolation: row.strict_isolation === 1,
    description: row.description,
  };
}

/** The history shape of one version. */
export function toVersionRecord(row: VersionRow, currentVersion: number): ServiceVersionRecord {
  return {
    name: row.name,
    version: Number(row.version),
    code: row.source,
    bundle: row.bundle,
    ...versionSettings(row),
    rolled_back_from: row.rolled_back_from,
    created_by: { kind: row.created_by_kind, id: row.created_by_id },
    created_at: Number(row.created_at),
    current: Number(row.version) === currentVersion,
  };
}
