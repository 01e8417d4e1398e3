import type { Generated } from 'kysely';

// Times are epoch milliseconds; booleans are 0/1; JSON columns hold text their repositories parse.

/** One code service: what is not versioned (which version is current, the logging switch). */
export interface CodeServicesTable {
  system_key: string;
  name: string;
  current_version: number;
  /** Operational switch (`POST /codeadmin/v/2/logs/...`), so it is not part of a version. */
  logging_enabled: number;
  log_level: string;
  created_at: number;
  updated_at: number;
}

/** One immutable version of a service: everything needed to run it again, as it was uploaded. */
export interface CodeServiceVersionsTable {
  system_key: string;
  name: string;
  version: number;
  /** What the developer uploaded (JS, ES module or TypeScript). */
  source: string;
  /** esbuild output the engine runs: libraries and service, one script. */
  bundle: string;
  /** JSON string[]: ClearBlade's `parameters` / `params`. */
  params: string;
  dependencies: string;
  run_user: string;
  /** seconds; -1 = stream service. */
  execution_timeout: number;
  auto_restart: number;
  auto_balance: number;
  concurrency: number;
  log_ttl_minutes: number;
  /** MiB; null = the platform default. */
  memory_limit_mb: number | null;
  /** 1 = WebAssembly available to the service (migration 008), charged against its memory limit. */
  allow_wasm: number;
  /** 1 = a fresh V8 context for every run (migration 009); 0 = warm contexts. */
  strict_isolation: number;
  description: string;
  /** The version this one was copied from by a rollback; null for uploads. */
  rolled_back_from: number | null;
  created_at: number;
  /** Who saved this version (migration 006): the identity a stream runs as, the bound of a micro run. */
  created_by_kind: ServiceAuthorKind;
  /** developer id ('' = the system's owner), user_id or device name. */
  created_by_id: string;
}

/** The kinds of identity that may save a service version (anonymous callers may not). */
export type ServiceAuthorKind = 'developer' | 'user' | 'device';

/** One library of a system. */
export interface CodeLibrariesTable {
  system_key: string;
  name: string;
  current_version: number;
  created_at: number;
  updated_at: number;
}

/** One immutable version of a library. */
export interface CodeLibraryVersionsTable {
  system_key: string;
  name: string;
  version: number;
  code: string;
  dependencies: string;
  description: string;
  api: string;
  visibility: string;
  created_at: number;
}

/** Logs of one invocation (or one chunk of a stream instance's logs). */
export interface CodeLogsTable {
  seq: Generated<number>;
  system_key: string;
  name: string;
  instance_id: string;
  version: number;
  /** When the invocation started. */
  started_at: number;
  /** Rows at or past this time are gone (`log_ttl_minutes`). */
  expires_at: number;
  /** 1, 0, or null while a stream instance is still running. */
  success: number | null;
  duration_ms: number | null;
  /** JSON LogLine[]. */
  lines: string;
}

export interface CodeTables {
  code_services: CodeServicesTable;
  code_service_versions: CodeServiceVersionsTable;
  code_libraries: CodeLibrariesTable;
  code_library_versions: CodeLibraryVersionsTable;
  code_logs: CodeLogsTable;
}
