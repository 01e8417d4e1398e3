// The durable aedes persistence: sessions, subscriptions, retained messages, in-flight QoS 1/2 and
// wills in a LevelDB under the data dir, so a restart keeps what MQTT promised to keep.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Level } from 'level';
import AsyncLevelPersistence from 'aedes-persistence-level/asyncPersistence.js';
import type { AsyncPersistence } from './internal.js';

/** Opens (creating when missing) the LevelDB persistence at `<dataDir>/mqtt`. */
export async function openPersistence(dataDir: string): Promise<AsyncPersistence> {
  const dir = join(dataDir, 'mqtt');
  mkdirSync(dir, { recursive: true });
  const db = new Level<string, Buffer>(dir);
  await db.open();
  return closingAfterReads(new AsyncLevelPersistence(db) as AsyncPersistence & RetainedReads);
}

/** The retained-message reads aedes starts for a SUBSCRIBE (aedes-persistence-level's streams). */
interface RetainedReads {
  createRetainedStreamCombi(patterns: string[]): Readable;
  createRetainedStream(pattern: string): Readable;
}

/**
 * aedes' close does not wait for retained-message reads a SUBSCRIBE already started; closing LevelDB
 * under one throws "Iterator is not open" from a stream nobody handles. So `destroy()` first ends every
 * read still open (its LevelDB iterator closes with it), then closes the database.
 */
function closingAfterReads(persistence: AsyncPersistence & RetainedReads): AsyncPersistence {
  const open = new Set<Readable>();
  const track = (stream: Readable): Readable => {
    open.add(stream);
    stream.once('close', () => open.delete(stream));
    return stream;
  };
  const combi = persistence.createRetainedStreamCombi.bind(persistence);
  const single = persistence.createRetainedStream.bind(persistence);
  const destroy = persistence.destroy.bind(persistence);
  persistence.createRetainedStreamCombi = (patterns) => track(combi(patterns));
  persistence.createRetainedStream = (pattern) => track(single(pattern));
  persistence.destroy = async () => {
    await Promise.all(
      [...open].map(
        (stream) =>
          new Promise<void>((resolve) => {
            stream.once('close', () => resolve());
            stream.destroy();
          }),
      ),
    );
    await destroy();
  };
  return persistence;
}
