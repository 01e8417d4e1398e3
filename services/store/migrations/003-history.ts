import { type Kysely, type Migration } from 'kysely';

/** Message history: topics per system with row/byte counters, messages, and per-system settings. */
export const history003: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('history_topics')
      .addColumn('topic_id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('system_key', 'text', (c) => c.notNull())
      .addColumn('topic', 'text', (c) => c.notNull())
      .addColumn('row_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
      .addUniqueConstraint('history_topics_system_topic', ['system_key', 'topic'])
      .execute();
    // No foreign key to history_topics: it would cost a lookup per inserted row; the writer keeps them in step.
    await db.schema
      .createTable('history_messages')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('topic_id', 'integer', (c) => c.notNull())
      .addColumn('time', 'bigint', (c) => c.notNull())
      .addColumn('qos', 'integer', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('payload', 'blob', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('ip', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('history_messages_topic_time')
      .on('history_messages')
      .columns(['topic_id', 'time'])
      .execute();
    await db.schema
      .createTable('history_settings')
      .addColumn('system_key', 'text', (c) => c.primaryKey())
      .addColumn('storage', 'text')
      .addColumn('autodelete', 'text')
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const t of ['history_settings', 'history_messages', 'history_topics']) {
      await db.schema.dropTable(t).execute();
    }
  },
};
