// Capture: copies each published message a system stores into a bounded in-memory batch and hands full
// batches to the writer thread. The publish path pays two map lookups, a few numeric writes and one
// payload copy; topic and publisher strings are written once per batch.
import type { BrokerMessage } from '../../broker/types.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Clock } from '../kernel/clock.js';
import type { Log } from '../kernel/log.js';
import { CaptureBatchBuilder } from './storage/segments.js';
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
  /**
   * Durable mode, before a client's QoS 1/2 PUBLISH is acknowledged: captures `message` at once and
   * resolves when it is stored (undefined when its topic is not stored). Its later `capture()` is skipped.
   * Rejects with CB_ERR_HISTORY_UNAVAILABLE when the buffer is full or the write failed.
   */
  hold(message: BrokerMessage): Promise<void> | undefined;
  /** Writes the current batch and waits until everything captured so far is stored. */
  flush(): Promise<void>;
  stats(): CaptureStats;
  /** Flushes, then refuses further messages; idempotent. */
  close(): Promise<void>;
}

/** Topics remembered per capture before the cache starts over. */
const SLOT_LIMIT = 100_000;

interface Slot {
  version: number;
  stored: boolean;
  /** Batch epoch in which `index` is valid. */
  epoch: number;
  index: number;
}

/** Builds the capture stage over a writer; nothing is scheduled until the first message arrives. */
export function createCapture(
  options: CaptureOptions,
  deps: { writer: HistoryWriter; settings: HistorySettings; clock: Clock; log: Log },
): HistoryCapture {
  const warnEveryMs = options.warnEveryMs ?? 10_000;
  const builder = new CaptureBatchBuilder();
  // systemKey → topic → whether stored (as of a settings version) and its index in the current batch.
  let slots = new Map<string, Map<string, Slot>>();
  let slotCount = 0;
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
  // Payloads captured by hold(): the same Buffer comes back through `published` and is skipped once.
  const held = new WeakSet<Buffer>();
  // Waiters on the batch being built (durable mode): settled when that batch is stored.
  let batchWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  let durableQueued = false;

  const slotOf = (systemKey: string, topic: string): Slot => {
    let topics = slots.get(systemKey);
    if (topics === undefined) {
      if (slotCount >= SLOT_LIMIT) {
        slots = new Map();
        slotCount = 0;
      }
      slots.set(systemKey, (topics = new Map()));
    }
    let slot = topics.get(topic);
    const version = deps.settings.version;
    if (slot === undefined || slot.version !== version) {
      if (slot === undefined) slotCount++;
      slot = { version, stored: deps.settings.filterFor(systemKey, topic) !== undefined, epoch: 0, index: 0 };
      topics.set(topic, slot);
    }
    return slot;
  };

  const write = (): void => {
    cancelTimer?.();
    cancelTimer = undefined;
    if (builder.count === 0) return;
    const batch = builder.take();
    const n = batch.count;
    const waiters = batchWaiters;
    batchWaiters = [];
    const done = deps.writer.insert(batch).then(
      (stored) => {
        written += n;
        if (stored.buffer !== undefined) builder.recycle(stored.buffer);
        for (const w of waiters) w.resolve();
      },
      (err: unknown) => {
        failed += n;
        deps.log.error('history batch not stored', { messages: n, err: String(err) });
        const refused = new IsobarError('CB_ERR_HISTORY_UNAVAILABLE', { reason: 'write failed' });
        for (const w of waiters) w.reject(refused);
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

  const add = (m: BrokerMessage, slot: Slot): void => {
    if (slot.epoch !== builder.epoch) {
      slot.epoch = builder.epoch;
      slot.index = builder.addTopic(m.systemKey, m.topic);
    }
    builder.add(slot.index, m.publisher, m.publisher?.id ?? '', m.address ?? '', m.time, m.qos, m.payload);
    captured++;
    pending++;
  };

  // Group commit: held messages arriving in one turn of the event loop, or while earlier batches are
  // still being written, go to the writer together as soon as it is free.
  const writeHeld = (): void => {
    if (durableQueued) return;
    durableQueued = true;
    const go = () => {
      durableQueued = false;
      write();
    };
    if (inflight.size === 0) setImmediate(go);
    else void Promise.allSettled([...inflight]).then(go);
  };

  return {
    capture(m) {
      if (closed) return;
      if (held.has(m.payload)) {
        held.delete(m.payload);
        return;
      }
      const slot = slotOf(m.systemKey, m.topic);
      if (!slot.stored) return;
      if (pending >= options.maxPending) {
        dropped++;
        droppedSinceWarn++;
        warnOverflow();
        return;
      }
      add(m, slot);
      if (builder.count >= options.batchSize) write();
      else cancelTimer ??= deps.clock.setTimer(options.flushMs, write);
    },
    hold(m) {
      if (closed) return undefined;
      const slot = slotOf(m.systemKey, m.topic);
      if (!slot.stored) return undefined;
      if (pending >= options.maxPending) {
        return Promise.reject(new IsobarError('CB_ERR_HISTORY_UNAVAILABLE', { reason: 'buffer full' }));
      }
      add(m, slot);
      held.add(m.payload);
      const stored = new Promise<void>((resolve, reject) => batchWaiters.push({ resolve, reject }));
      if (builder.count >= options.batchSize) write();
      else writeHeld();
      return stored;
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
