// Message history as one platform component: settings, the writer thread, capture off the broker's
// `published` event, reads, retention, REST routes and the `history.*` bridge ops.
import { join } from 'node:path';
import type { BrokerMessage } from '../../broker/types.js';
import type { Principal } from '../identity/types.js';
import type { Component, ComponentBase } from '../kernel/component.js';
import { createCapture, type CaptureOptions, type HistoryCapture } from './capture.js';
import { createHistoryOps, type OpHandler } from './bridge-ops.js';
import {
  createHistoryReader,
  toRecord,
  toRange,
  type HistoryPage,
  type HistoryQuery,
  type HistoryRecord,
} from './query.js';
import { createRetention, type Retention, type RetentionOptions } from './retention.js';
import { historyRoutes, type HistoryApi } from './routes.js';
import { createHistorySettings, type HistorySettings } from './settings.js';
import { createPgHistoryWriter } from './storage/pg-writer.js';
import { createHistoryWriter, type HistoryWriter } from './writer.js';

export interface HistoryOptions {
  readonly capture?: Partial<CaptureOptions>;
  readonly retention?: Partial<RetentionOptions>;
  /** Row bound of every topic in a system that never configured `/storage`. */
  readonly defaultMaxRows?: number;
  /** Most records one query or delete returns (`count=0` means this many). */
  readonly maxCount?: number;
  /** Most payload bytes one query or delete returns (a page; REST says where the next one starts). */
  readonly maxPageBytes?: number;
  /**
   * Durable mode: a client's QoS 1/2 PUBLISH on a stored topic is acknowledged only once it is written, so
   * it survives kill -9 (default: config `history.durable`).
   */
  readonly durable?: boolean;
}

export const HISTORY_DEFAULTS = {
  capture: { flushMs: 100, batchSize: 5000, maxPending: 200_000, warnEveryMs: 10_000 },
  retention: { intervalMs: 2000, budget: 20_000, chunk: 1000 },
  defaultMaxRows: 10_000,
  maxCount: 10_000,
  maxPageBytes: 4 * 1024 * 1024,
} as const;

export interface HistoryDeps extends ComponentBase {
  /** msgHistory permission bits (identity.msgHistoryLevel); without it only developers may read or delete. */
  readonly access?: { msgHistoryLevel(principal: Principal, systemKey: string): number };
  /** The broker's activity events; capture listens to `published` (and, durable, holds acknowledgements). */
  readonly broker?: {
    on(event: 'published', listener: (m: BrokerMessage) => void): () => void;
    beforeAck?(gate: (m: BrokerMessage) => Promise<void> | undefined): () => void;
  };
}

export interface HistoryComponent extends Component, HistoryApi {
  readonly settings: HistorySettings;
  readonly capture: HistoryCapture;
  readonly retention: Retention;
  /** Handlers for the code registry's host (`createHost({ops})`). */
  readonly ops: Record<string, OpHandler>;
}

/** Builds the history component: loads settings and starts the writer thread; retention starts with `start()`. */
export async function createHistory(options: HistoryOptions, deps: HistoryDeps): Promise<HistoryComponent> {
  const log = deps.log.child({ component: 'history' });
  const maxCount = options.maxCount ?? HISTORY_DEFAULTS.maxCount;
  const maxPageBytes = options.maxPageBytes ?? HISTORY_DEFAULTS.maxPageBytes;
  const settings = createHistorySettings(
    { defaultMaxRows: options.defaultMaxRows ?? HISTORY_DEFAULTS.defaultMaxRows },
    { store: deps.store },
  );
  await settings.load();
  // SQLite: a writer thread on its own connection; PostgreSQL: async batches through the store's pool.
  const writer: HistoryWriter =
    deps.store.dialect === 'postgres'
      ? createPgHistoryWriter({ db: deps.store.db })
      : createHistoryWriter({ dbFile: join(deps.config.dataDir, 'isobar.db') });
  const capture = createCapture(
    { ...HISTORY_DEFAULTS.capture, ...options.capture },
    { writer, settings, clock: deps.clock, log },
  );
  const reader = createHistoryReader(
    { maxCount, maxPageBytes },
    { store: deps.store, beforeRead: () => capture.flush() },
  );
  const stored = await deps.store.db
    .selectFrom('history_topics')
    .select('topic_id')
    .limit(1)
    .executeTakeFirst();
  const retentionOptions = { ...HISTORY_DEFAULTS.retention, ...options.retention };
  const retention = createRetention(retentionOptions, {
    // Nodes share one database: each pass runs on one of them (the writers stay exact either way).
    claim: deps.cluster.enabled
      ? (now) =>
          deps.cluster.once(
            `history:retention:${String(Math.floor(now / retentionOptions.intervalMs))}`,
            retentionOptions.intervalMs,
          )
      : undefined,
    writer,
    rules: settings,
    clock: deps.clock,
    log,
    beforePass: () => capture.flush(),
    worthRunning: () => stored !== undefined || writer.started || capture.stats().captured > 0,
  });
  const background = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    const t = p
      .catch((err: unknown) => log.error('history background work failed', { err: String(err) }))
      .finally(() => background.delete(t));
    background.add(t);
  };
  const unsubscribe = [
    deps.events.on('system.deleted', ({ systemKey }) => {
      track(
        (async () => {
          await settings.drop(systemKey);
          await capture.flush();
          while ((await writer.dropSystem(systemKey, 10_000)) === 10_000);
        })(),
      );
    }),
  ];
  const offBroker = deps.broker?.on('published', (m) => capture.capture(m));
  const durable = options.durable ?? deps.config.history.durable;
  const offAckGate = durable ? deps.broker?.beforeAck?.((m) => capture.hold(m)) : undefined;

  const api: HistoryApi = {
    level: (principal, systemKey) =>
      principal.kind === 'developer' ? 15 : (deps.access?.msgHistoryLevel(principal, systemKey) ?? 0),
    async queryPage(systemKey: string, q: HistoryQuery): Promise<HistoryPage<HistoryRecord>> {
      const page = await reader.read(systemKey, q);
      return { ...page, messages: page.messages.map(toRecord) };
    },
    async query(systemKey: string, q: HistoryQuery): Promise<HistoryRecord[]> {
      return (await api.queryPage(systemKey, q)).messages;
    },
    async delete(systemKey: string, q: HistoryQuery): Promise<HistoryRecord[]> {
      await capture.flush();
      // Bounded like a read: a delete over more than a page removes (and answers) one page; repeat it.
      const range = toRange(q, maxCount, maxPageBytes);
      return (await writer.deleteRange(systemKey, q.topic, range)).map(toRecord);
    },
    currentTopics: (systemKey) => reader.currentTopics(systemKey),
    storage: (systemKey) => settings.storage(systemKey),
    setStorage: (systemKey, filters) => settings.setStorage(systemKey, filters),
    autodelete: (systemKey) => settings.autodelete(systemKey),
    setAutodelete: (systemKey, value) => settings.setAutodelete(systemKey, value),
  };
  let closing: Promise<void> | undefined;
  return {
    name: 'history',
    routes: [historyRoutes(api)],
    ...api,
    settings,
    capture,
    retention,
    ops: createHistoryOps(api),
    async start() {
      await writer.ahead?.(deps.clock.now());
      retention.start();
    },
    close() {
      closing ??= (async () => {
        offBroker?.();
        offAckGate?.();
        for (const off of unsubscribe) off();
        await retention.close();
        await capture.close();
        await Promise.all([...background]);
        const s = capture.stats();
        if (s.dropped > 0 || s.failed > 0) log.warn('history lost messages', { ...s });
        await writer.close();
      })();
      return closing;
    },
  };
}
