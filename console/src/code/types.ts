// Shapes of the code routes' answers the console reads (services/code/routes/common.ts, admin.ts, logs).

/** A service as GET /api/v/1/code/{sk}/{name} answers it. */
export interface ServiceRecord {
  readonly name: string;
  readonly code: string;
  readonly params?: readonly string[];
  readonly dependencies?: string;
  readonly execution_timeout: number;
  readonly concurrency?: number;
  readonly auto_restart?: boolean;
  readonly logging_enabled?: boolean;
  readonly log_ttl_minutes?: number;
  readonly memory_limit_mb?: number | null;
  readonly allow_wasm?: boolean;
  readonly strict_isolation?: boolean;
  readonly current_version: number;
  readonly updated_at?: number;
}

/** One row of the version history. */
export interface VersionRecord extends ServiceRecord {
  readonly version: number;
  readonly rolled_back_from?: number | null;
  readonly current?: boolean;
}

/** A running stream instance (GET /codeadmin/v/3/running/{sk}). */
export interface RunningInstance {
  readonly instanceId: string;
  readonly name: string;
  readonly version: number;
  readonly started: number;
  readonly restarts: number;
  readonly state: string;
  readonly lastExit?: string;
}

/** Where in the author's source a run failed. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One ended run as the live tail sends it (services/code/run-tail.ts). */
export interface RunEvent {
  readonly time: number;
  readonly source: string;
  readonly success: boolean;
  readonly code?: string;
  readonly message?: string;
  readonly position?: SourcePosition;
  readonly duration: number | null;
  readonly logs?: ReadonlyArray<{ readonly message: string }>;
  readonly dropped?: number;
}

/** The service the Live logs page opens with (set by the Services page's "Live logs" button). */
export const logsSelection: { name: string | undefined } = { name: undefined };
