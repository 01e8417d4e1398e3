// The main thread's handle on the history writer thread: a small request/reply channel. A capture
// batch travels as one transferred ArrayBuffer plus two small string dictionaries.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { HistoryRange, StoredMessage } from './storage/walk.js';
import type { CaptureBatch } from './storage/segments.js';

/** One retention step: delete up to `limit` oldest rows of a topic, optionally only those older than `olderThan`. */
export interface TrimStep {
  readonly topicId: number;
  readonly limit: number;
  readonly olderThan?: number;
}

/** A topic's counters as the writer reports them. */
export interface TopicSummary {
  readonly topicId: number;
  readonly systemKey: string;
  readonly topic: string;
  readonly rows: number;
  readonly bytes: number;
  /** epoch ms of the oldest stored message */
  readonly oldest: number;
}

export type WriterRequest = { readonly id: number } & (
  | {
      op: 'insert';
      topics: readonly string[];
      publishers: readonly string[];
      data: ArrayBuffer;
      start: number;
      length: number;
      count: number;
    }
  | { op: 'deleteRange'; systemKey: string; topic: string; range: HistoryRange }
  | { op: 'topics' }
  | { op: 'trim'; steps: TrimStep[]; chunk: number }
  | { op: 'dropSystem'; systemKey: string; limit: number }
  | { op: 'close' }
);

export type WriterReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

type Body<T> = T extends unknown ? Omit<T, 'id'> : never;

/** What the rest of history asks of the writer thread; every call is applied in call order. */
export interface HistoryWriter {
  /**
   * Stores a capture batch; its buffer's ArrayBuffer is transferred (unusable here afterwards) and comes
   * back, once stored, as `buffer` for reuse.
   */
  insert(batch: CaptureBatch): Promise<{ count: number; buffer?: ArrayBuffer }>;
  deleteRange(systemKey: string, topic: string, range: HistoryRange): Promise<StoredMessage[]>;
  topics(): Promise<TopicSummary[]>;
  trim(steps: TrimStep[], chunk: number): Promise<number>;
  /** Deletes up to `limit` rows of a system; resolves with how many went (less than `limit`: done). */
  dropSystem(systemKey: string, limit: number): Promise<number>;
  /**
   * PostgreSQL only (day partitions): creates today's and tomorrow's partition and drops, oldest first,
   * past days whose every message is older than its topic's cutoff (`cutoffs`: topic id → epoch ms; a
   * topic without one keeps its day). Resolves with the messages dropped.
   */
  partitions?(now: number, cutoffs: ReadonlyMap<number, number>): Promise<number>;
  /** PostgreSQL only: creates the partitions of the day of `now` and the next (at start). */
  ahead?(now: number): Promise<void>;
  /** True once the writer has been used (the SQLite thread starts with the first request). */
  readonly started: boolean;
  /** Waits for queued work, closes the connection and ends the thread; idempotent. */
  close(): Promise<void>;
}

/** The writer thread's handle on the platform's SQLite file (the thread starts on first use). */
export function createHistoryWriter(options: { dbFile: string }): HistoryWriter {
  let worker: Worker | undefined;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let failed: Error | undefined;
  let closing: Promise<void> | undefined;
  const failAll = (err: Error) => {
    failed ??= err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  // The thread starts with the first request: a platform that never stores a message never pays for it.
  const thread = (): Worker => {
    if (worker !== undefined) return worker;
    const w = startWorker(options.dbFile);
    w.on('message', (reply: WriterReply) => {
      const entry = waiting.get(reply.id);
      if (entry === undefined) return;
      waiting.delete(reply.id);
      if (reply.ok) entry.resolve(reply.result);
      else entry.reject(new IsobarError('CB_ERR_HISTORY_UNAVAILABLE', { reason: reply.error }));
    });
    w.on('error', (err) =>
      failAll(new IsobarError('CB_ERR_HISTORY_UNAVAILABLE', { reason: err.message }, { cause: err })),
    );
    w.on('exit', () => failAll(new IsobarError('CB_ERR_HISTORY_UNAVAILABLE', { reason: 'writer stopped' })));
    return (worker = w);
  };
  const send = <T>(body: Body<WriterRequest>, transfer: ArrayBuffer[] = []): Promise<T> => {
    if (failed !== undefined) return Promise.reject(failed);
    if (closing !== undefined && body.op !== 'close') {
      return Promise.reject(new IsobarError('CB_ERR_HISTORY_UNAVAILABLE', { reason: 'closing' }));
    }
    const id = ++seq;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      thread().postMessage({ ...body, id }, transfer);
    });
  };
  return {
    insert: (batch) =>
      send<{ count: number; buffer?: ArrayBuffer }>(
        {
          op: 'insert',
          topics: batch.topics,
          publishers: batch.publishers,
          data: batch.data.buffer as ArrayBuffer,
          start: batch.data.byteOffset,
          length: batch.data.length,
          count: batch.count,
        },
        [batch.data.buffer as ArrayBuffer],
      ),
    deleteRange: async (systemKey, topic, range) =>
      (await send<StoredMessage[]>({ op: 'deleteRange', systemKey, topic, range })).map((m) => ({
        ...m,
        // Structured clone turns Buffers into plain Uint8Arrays.
        payload: Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength),
      })),
    topics: () => send<TopicSummary[]>({ op: 'topics' }),
    get started() {
      return worker !== undefined;
    },
    trim: (steps, chunk) => send<number>({ op: 'trim', steps, chunk }),
    dropSystem: (systemKey, limit) => send<number>({ op: 'dropSystem', systemKey, limit }),
    close() {
      closing ??= (async () => {
        if (worker === undefined) return;
        if (failed === undefined) await send<boolean>({ op: 'close' }).catch(() => undefined);
        await worker.terminate();
      })();
      return closing;
    },
  };
}

function startWorker(dbFile: string): Worker {
  const self = import.meta.url;
  if (self.endsWith('.js')) {
    return new Worker(new URL('./writer-worker.js', self), { workerData: { dbFile } });
  }
  // Sources run through tsx: the thread registers tsx's ESM hooks before loading the TypeScript module.
  const tsx = pathToFileURL(createRequire(self).resolve('tsx/package.json'));
  const file = new URL('./writer-worker.ts', self).href;
  const api = new URL(tsxExports(tsx) ?? './dist/esm/api/index.mjs', tsx).href;
  return new Worker(
    `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(file)}); });`,
    { eval: true, workerData: { dbFile } },
  );
}

/** The ESM entry of `tsx/esm/api`, read from tsx's package.json so a layout change does not break us. */
function tsxExports(packageJson: URL): string | undefined {
  const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as {
    exports?: Record<string, { import?: { default?: string } } | string>;
  };
  const entry = pkg.exports?.['./esm/api'];
  return typeof entry === 'object' ? entry.import?.default : undefined;
}
