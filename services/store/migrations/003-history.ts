import { type Kysely, type Migration } from 'kysely';
import { migrationTypes } from './types.js';

/** Message history: topics per system with message/byte counters, message segments, per-system settings. */
export const history003: Migration = {
  async up(db: Kysely<unknown>) {
    const t = migrationTypes(db);
    await db.schema
      .createTable('history_topics')
      .addColumn('topic_id', t.serial, t.serialKey)
      .addColumn('system_key', 'text', (c) => c.notNull())
      .addColumn('topic', 'text', (c) => c.notNull())
      .addColumn('row_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
      .addUniqueConstraint('history_topics_system_topic', ['system_key', 'topic'])
      .execute();
    // One row per capture batch and topic (services/history/storage/segments.ts). No foreign key to
    // history_topics: the writer keeps them in step and a key check would cost a lookup per insert.
    await db.schema
      .createTable('history_segments')
      .addColumn('id', t.serial, t.serialKey)
      .addColumn('topic_id', 'integer', (c) => c.notNull())
      .addColumn('first_time', 'bigint', (c) => c.notNull())
      .addColumn('last_time', 'bigint', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('bytes', 'integer', (c) => c.notNull())
      .addColumn('data', t.blob, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('history_segments_topic_time')
      .on('history_segments')
      .columns(['topic_id', 'first_time'])
      .execute();
    await db.schema
      .createTable('history_settings')
      .addColumn('system_key', 'text', (c) => c.primaryKey())
      .addColumn('storage', 'text')
      .addColumn('autodelete', 'text')
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const t of ['history_settings', 'history_segments', 'history_topics']) {
      await db.schema.dropTable(t).execute();
    }
  },
};
