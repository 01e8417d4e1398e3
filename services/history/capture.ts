// Capture: copies each published message a system stores into a bounded in-memory batch and hands full
// batches to the writer thread. The publish path only pays a filter lookup and one payload copy.
import type { BrokerMessage } from '../../broker/types.js';
import type { Clock } from '../clock.js';
import type { Log } from '../log.js';
import type { HistoryRow } from '../store/tables/history.js';
import type { HistorySettings } from './settings.js';
import type { HistoryWriter } from './writer.js';

export interface CaptureOptions {
  /** A batch is written at most this long after its first message (ms). */
  readonly flushMs: number;
  /** A batch is written as soon as it holds this many messages. */
  readonly batchSize: number;
  /** Messages buffered or being written beyond this are dropped (counted and logged), never queued. */
  readonly maxPending: number;
  /** At most one overflow warning per this many ms. */
  readonly warnEveryMs?: number;
}

export interface CaptureStats {
  /** Accepted into a batch. */
  readonly captured: number;
  /** Confirmed stored by the writer. */
  readonly written: number;
  /** Refused because the buffer was full. */
  readonly dropped: number;
  /** Lost because the writer failed. */
  readonly failed: number;
  /** Buffered or in flight. */
  readonly pending: number;
}

export interface HistoryCapture {
  /** sync, hot path: keeps a copy of `message` when its system stores the topic. */
  capture(message: BrokerMessage): void;
  /** Writes the current batch and waits until everything captured so far is stored. */
  flush(): Promise<void>;
  stats(): CaptureStats;
  /** Flushes, then refuses further messages; idempotent. */
  close(): Promise<void>;
}

const INITIAL_BYTES = 64 * 1024;

/** Builds the capture stage over a writer; nothing is scheduled until the first message arrives. */
export function createCapture(
  options: CaptureOptions,
  deps: { writer: HistoryWriter; settings: HistorySettings; clock: Clock; log: Log },
): HistoryCapture {
  const warnEveryMs = options.warnEveryMs ?? 10_000;
  let rows: HistoryRow[] = [];
  let offsets: number[] = [0];
  let bytes = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  let used = 0;
  let cancelTimer: (() => void) | undefined;
  const inflight = new Set<Promise<void>>();
  let captured = 0;
  let written = 0;
  let dropped = 0;
  let failed = 0;
  let pending = 0;
  let lastWarn = -Infinity;
  let droppedSinceWarn = 0;
  let closed = false;

  const write = (): void => {
    cancelTimer?.();
    cancelTimer = undefined;
    if (rows.length === 0) return;
    const batch = rows;
    const payloads = bytes.subarray(0, used);
    const batchOffsets = offsets;
    rows = [];
    offsets = [0];
    // The transferred buffer leaves this thread; start the next batch in a fresh one of the same size.
    bytes = Buffer.allocUnsafeSlow(bytes.length);
    used = 0;
    const n = batch.length;
    const done = deps.writer.insert(batch, payloads, batchOffsets).then(
      () => {
        written += n;
      },
      (err: unknown) => {
        failed += n;
        deps.log.error('history batch not stored', { messages: n, err: String(err) });
      },
    );
    const tracked = done.finally(() => {
      pending -= n;
      inflight.delete(tracked);
    });
    inflight.add(tracked);
  };

  const warnOverflow = (): void => {
    const now = deps.clock.now();
    if (now - lastWarn < warnEveryMs) return;
    deps.log.warn('history buffer full: messages not stored', {
      dropped: droppedSinceWarn,
      droppedTotal: dropped,
      maxPending: options.maxPending,
    });
    lastWarn = now;
    droppedSinceWarn = 0;
  };

  return {
    capture(m) {
      if (closed || deps.settings.filterFor(m.systemKey, m.topic) === undefined) return;
      if (pending >= options.maxPending) {
        dropped++;
        droppedSinceWarn++;
        warnOverflow();
        return;
      }
      const size = m.payload.length;
      if (used + size > bytes.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(bytes.length * 2, used + size));
        bytes.copy(grown, 0, 0, used);
        bytes = grown;
      }
      m.payload.copy(bytes, used);
      used += size;
      offsets.push(used);
      rows.push({
        systemKey: m.systemKey,
        topic: m.topic,
        time: m.time,
        qos: m.qos,
        userId: m.publisher?.id ?? '',
        ip: m.address ?? '',
      });
      captured++;
      pending++;
      if (rows.length >= options.batchSize) write();
      else cancelTimer ??= deps.clock.setTimer(options.flushMs, write);
    },
    async flush() {
      write();
      while (inflight.size > 0) await Promise.all([...inflight]);
    },
    stats: () => ({ captured, written, dropped, failed, pending }),
    async close() {
      closed = true;
      write();
      while (inflight.size > 0) await Promise.all([...inflight]);
    },
  };
}
