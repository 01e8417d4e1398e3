// Logs of service runs (reference §3.5): one row per micro-service invocation, and rows of chunks for
// stream instances (their lines arrive one by one through Host.log). Kept for the service's
// `log_ttl_minutes`; reads never show an expired row even before the purge has run. Writes are batched
// off the request path: an invocation only queues its row. A failed run is kept whether or not the service
// logs its runs, with its source (rest, trigger, timer, execute, stream), error code, text and position:
// the `lines` column then holds `{lines, source, failure}` (older rows: the bare array of lines).
import type { Store } from '../store/index.js';
import type { Clock } from '../kernel/clock.js';
import type { Log } from '../kernel/log.js';
import type { LogLine } from '../../engine/types.js';
import type { RunFailure, RunSource } from './run-tail.js';

/** What one invocation leaves behind. */
export interface LogEntry {
  readonly systemKey: string;
  readonly name: string;
  readonly version: number;
  readonly instanceId: string;
  readonly startedAt: number;
  readonly durationMs: number | null;
  readonly success: boolean | null;
  readonly lines: readonly LogLine[];
  readonly ttlMinutes: number;
  /** Where the run came from. */
  readonly source?: RunSource;
  /** Why it failed (success false). */
  readonly failure?: RunFailure;
  /** Who called the run (the JS SDK's ServiceInfo UserId/UserType). */
  readonly caller?: RunCaller;
}

/** The caller a run row remembers: enough to name it, no token. */
export interface RunCaller {
  readonly kind: string;
  readonly id: string;
}

/** A run of any service of a system (the system-wide `completed`/`failed` lists). */
export type SystemRunView = LogView & { readonly name: string; readonly caller?: RunCaller };

/** A log row as the REST API shows it: ClearBlade's `{log, service_execution_time}` and more. */
export interface LogView {
  readonly log: string;
  readonly service_execution_time: string;
  readonly service_instance_id: string;
  readonly version: number;
  readonly success: boolean | null;
  readonly duration_ms: number | null;
  readonly lines: readonly LogLine[];
  readonly source?: RunSource;
  /** A failed run: its error code, text, position in the author's source and mapped stack. */
  readonly code?: string;
  readonly message?: string;
  readonly position?: RunFailure['position'];
  readonly stack?: string;
}

export interface CodeLogs {
  /** Queues the logs of one finished invocation. */
  record(entry: LogEntry): void;
  /** Queues one line of a running stream instance. */
  append(entry: Omit<LogEntry, 'lines' | 'durationMs' | 'success'>, line: LogLine): void;
  /** Newest first, at most `limit` (default 100). */
  list(systemKey: string, name: string, limit?: number): Promise<LogView[]>;
  /** Failed runs only, newest first, at most `limit` (default 100). */
  failures(systemKey: string, name: string, limit?: number): Promise<LogView[]>;
  /** Ended runs of every service of a system, newest first: successes (logging on) or failures. */
  recent(systemKey: string, success: boolean, limit?: number): Promise<SystemRunView[]>;
  /** Every line of one invocation or stream instance, or undefined. */
  instance(systemKey: string, name: string, instanceId: string): Promise<LogView | undefined>;
  /** Deletes expired rows; returns how many. */
  purge(): Promise<number>;
  /** Drops every row of a service (it was deleted). */
  forget(systemKey: string, name: string): Promise<void>;
  /** Schedules the periodic purge. */
  start(): void;
  /** Writes everything queued and waits for a running purge. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Most lines kept per row: a flood of `log()` must not fill the disk. */
export const MAX_LINES_PER_ROW = 2000;
/** Longest single line kept, characters. */
export const MAX_LINE_LENGTH = 8192;
const PURGE_EVERY_MS = 60_000;
const STREAM_CHUNK_LINES = 200;

/** The ClearBlade `logs` string: the messages, one per line. */
export function renderLogs(lines: readonly LogLine[]): string {
  return lines.map((l) => l.message).join('\n');
}

function clip(lines: readonly LogLine[]): LogLine[] {
  const kept = lines
    .slice(0, MAX_LINES_PER_ROW)
    .map((l) =>
      l.message.length > MAX_LINE_LENGTH ? { ...l, message: `${l.message.slice(0, MAX_LINE_LENGTH)}…` } : l,
    );
  if (lines.length > MAX_LINES_PER_ROW) {
    const last = lines[lines.length - 1];
    kept.push({
      level: 'warn',
      time: last?.time ?? 0,
      message: `(${String(lines.length - MAX_LINES_PER_ROW)} more lines dropped)`,
    });
  }
  return kept;
}

/** One stored `lines` column: the bare array of older rows, or `{lines, source, failure}`. */
function readStored(text: string): {
  lines: LogLine[];
  source?: RunSource;
  failure?: RunFailure;
  caller?: RunCaller;
} {
  const raw = JSON.parse(text) as unknown;
  if (Array.isArray(raw)) return { lines: raw as LogLine[] };
  const o = raw as { lines?: LogLine[]; source?: RunSource; failure?: RunFailure; caller?: RunCaller };
  return { lines: o.lines ?? [], source: o.source, failure: o.failure, caller: o.caller };
}

/** Creates the log store; `start()` schedules the purge on `clock`. */
export function createCodeLogs(options: { store: Store; clock: Clock; log: Log }): CodeLogs {
  const { store, clock, log } = options;
  const pending: LogEntry[] = [];
  const streams = new Map<
    string,
    { entry: Omit<LogEntry, 'lines' | 'durationMs' | 'success'>; lines: LogLine[] }
  >();
  let scheduled = false;
  let writing: Promise<void> = Promise.resolve();
  let purging: Promise<void> = Promise.resolve();
  let cancelPurge: (() => void) | undefined;
  let closed = false;

  const takeStreamChunks = (): LogEntry[] => {
    const out: LogEntry[] = [];
    for (const { entry, lines } of streams.values()) {
      out.push({ ...entry, lines, durationMs: null, success: null });
    }
    // Only instances with unwritten lines stay in memory; the next line re-adds its instance.
    streams.clear();
    return out;
  };

  const write = async (entries: readonly LogEntry[]): Promise<void> => {
    if (entries.length === 0) return;
    await store.db
      .insertInto('code_logs')
      .values(
        entries.map((e) => ({
          system_key: e.systemKey,
          name: e.name,
          instance_id: e.instanceId,
          version: e.version,
          started_at: e.startedAt,
          // A stream chunk lives from its own first line: a long-running instance keeps its recent logs.
          expires_at:
            (e.success === null ? (e.lines[0]?.time ?? e.startedAt) : e.startedAt) + e.ttlMinutes * 60_000,
          success: e.success === null ? null : e.success ? 1 : 0,
          duration_ms: e.durationMs,
          lines: JSON.stringify(
            e.source === undefined && e.failure === undefined
              ? clip(e.lines)
              : { lines: clip(e.lines), source: e.source, failure: e.failure, caller: e.caller },
          ),
        })),
      )
      .execute();
  };

  const flush = (): Promise<void> => {
    const batch = [...pending.splice(0), ...takeStreamChunks()];
    writing = writing.then(() =>
      write(batch).catch((err: unknown) => log.error('writing service logs failed', { err: String(err) })),
    );
    return Promise.all([writing, purging]).then(() => undefined);
  };

  const schedule = () => {
    if (scheduled || closed) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  };

  const toView = (
    rows: ReadonlyArray<{
      instance_id: string;
      version: number;
      started_at: number;
      success: number | null;
      duration_ms: number | null;
      lines: string;
    }>,
    stored = rows.map((r) => readStored(r.lines)),
  ): LogView => {
    const first = rows[0];
    const lines = stored.flatMap((r) => r.lines);
    const last = rows[rows.length - 1];
    const source = stored.find((r) => r.source !== undefined)?.source;
    const failure = stored.find((r) => r.failure !== undefined)?.failure;
    return {
      ...(source === undefined ? {} : { source }),
      ...(failure === undefined ? {} : failure),
      log: renderLogs(lines),
      service_execution_time: new Date(Number(first?.started_at ?? 0)).toISOString(),
      service_instance_id: first?.instance_id ?? '',
      version: Number(first?.version ?? 0),
      success: last?.success === null || last === undefined ? null : last.success === 1,
      duration_ms: last?.duration_ms ?? null,
      lines,
    };
  };

  // The newest runs of one service, all or only the failed ones: the (system_key, name, …) index serves both.
  const latestOf = async (
    systemKey: string,
    name: string,
    limit: number,
    failedOnly: boolean,
  ): Promise<LogView[]> => {
    await flush();
    let query = store.db
      .selectFrom('code_logs')
      .selectAll()
      .where('system_key', '=', systemKey)
      .where('name', '=', name);
    if (failedOnly) query = query.where('success', '=', 0);
    const rows = await query
      .where('expires_at', '>', clock.now())
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => toView([r]));
  };

  const purge = async (): Promise<number> => {
    const result = await store.db
      .deleteFrom('code_logs')
      .where('expires_at', '<=', clock.now())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  };

  const schedulePurge = () => {
    cancelPurge = clock.setTimer(PURGE_EVERY_MS, () => {
      purging = purge().then(
        () => undefined,
        (err: unknown) => log.error('purging service logs failed', { err: String(err) }),
      );
      if (!closed) schedulePurge();
    });
  };

  return {
    record(entry) {
      if (closed) return;
      pending.push(entry);
      schedule();
    },
    append(entry, line) {
      if (closed) return;
      let stream = streams.get(entry.instanceId);
      if (stream === undefined) streams.set(entry.instanceId, (stream = { entry, lines: [] }));
      stream.lines.push(line);
      if (stream.lines.length >= STREAM_CHUNK_LINES) schedule();
    },
    list: (systemKey, name, limit = 100) => latestOf(systemKey, name, limit, false),
    failures: (systemKey, name, limit = 100) => latestOf(systemKey, name, limit, true),
    async recent(systemKey, success, limit = 100) {
      await flush();
      // Over the (system_key, name, …) index's prefix; stream chunks (success null) are not ended runs.
      const rows = await store.db
        .selectFrom('code_logs')
        .selectAll()
        .where('system_key', '=', systemKey)
        .where('success', '=', success ? 1 : 0)
        .where('expires_at', '>', clock.now())
        .orderBy('seq', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => {
        // One parse of the row's lines serves the view and its caller.
        const stored = readStored(r.lines);
        const { caller } = stored;
        return { ...toView([r], [stored]), name: r.name, ...(caller === undefined ? {} : { caller }) };
      });
    },
    async instance(systemKey, name, instanceId) {
      await flush();
      const rows = await store.db
        .selectFrom('code_logs')
        .selectAll()
        .where('system_key', '=', systemKey)
        .where('name', '=', name)
        .where('instance_id', '=', instanceId)
        .where('expires_at', '>', clock.now())
        .orderBy('seq', 'asc')
        .execute();
      return rows.length === 0 ? undefined : toView(rows);
    },
    purge,
    async forget(systemKey, name) {
      await flush();
      await store.db
        .deleteFrom('code_logs')
        .where('system_key', '=', systemKey)
        .where('name', '=', name)
        .execute();
    },
    start() {
      if (cancelPurge === undefined && !closed) schedulePurge();
    },
    flush,
    async close() {
      if (closed) return writing;
      closed = true;
      cancelPurge?.();
      await flush();
    },
  };
}
