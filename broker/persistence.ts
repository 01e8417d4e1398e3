// The durable aedes persistence: sessions, subscriptions, retained messages, in-flight QoS 1/2 and
// wills in a LevelDB under the data dir, so a restart keeps what MQTT promised to keep.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import AsyncLevelPersistence from 'aedes-persistence-level/asyncPersistence.js';
import type { AsyncPersistence } from './internal.js';

/** Opens (creating when missing) the LevelDB persistence at `<dataDir>/mqtt`. */
export async function openPersistence(dataDir: string): Promise<AsyncPersistence> {
  const dir = join(dataDir, 'mqtt');
  mkdirSync(dir, { recursive: true });
  const db = new Level<string, Buffer>(dir);
  await db.open();
  return new AsyncLevelPersistence(db) as AsyncPersistence;
}
