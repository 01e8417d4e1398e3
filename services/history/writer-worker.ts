// The history writer thread: owns one SQLite connection and applies inserts, deletes and retention
// steps in the order the main thread sends them. Runs off the broker's thread because a row insert
// costs microseconds the publish path cannot spare.
import { parentPort, workerData } from 'node:worker_threads';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import SQLite from 'better-sqlite3';
import { HistoryWriterDb } from './storage/writer-db.js';
import type { WriterReply, WriterRequest } from './writer.js';

const port = parentPort;
if (port === null) throw new Error('writer-worker must run in a worker thread');
lowerPriority();
const { dbFile } = workerData as { dbFile: string };
const sqlite = new SQLite(dbFile);
sqlite.pragma('journal_mode = WAL');
sqlite.pragma('synchronous = NORMAL');
sqlite.pragma('busy_timeout = 5000');
const db = new HistoryWriterDb(sqlite);

function handle(req: WriterRequest): unknown {
  switch (req.op) {
    case 'insert':
      db.insert({
        topics: req.topics,
        publishers: req.publishers,
        data: Buffer.from(req.data, req.start, req.length),
        count: req.count,
      });
      // The buffer goes back to the main thread for the next batch.
      return { count: req.count, buffer: req.data };
    case 'deleteRange':
      return db.deleteRange(req.systemKey, req.topic, req.range);
    case 'topics':
      return db.topics();
    case 'trim': {
      let n = 0;
      for (const step of req.steps) {
        // Small transactions: inserts queued behind a large trim wait at most one chunk.
        for (let left = step.limit; left > 0;) {
          const done = db.deleteOldest(step.topicId, Math.min(left, req.chunk), step.olderThan);
          n += done;
          left -= done;
          if (done === 0) break;
        }
      }
      return n;
    }
    case 'dropSystem':
      return db.dropSystem(req.systemKey, req.limit);
    case 'close':
      sqlite.close();
      return true;
  }
}

port.on('message', (req: WriterRequest) => {
  let reply: WriterReply;
  try {
    reply = { id: req.id, ok: true, result: handle(req) };
  } catch (err) {
    reply = { id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply, req.op === 'insert' && reply.ok ? [req.data] : []);
  if (req.op === 'close') port.close();
});

/**
 * History is background work: on Linux this thread runs at nice +10 so that, when cores are scarce, the
 * broker's thread gets them first (the bounded capture buffer absorbs the delay, or counts the overflow).
 * `setpriority` on a thread id changes only that thread there; elsewhere the priority stays as it is.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 10);
  } catch {
    // not Linux, or not allowed: keep the default priority
  }
}
