import { type Kysely, type Migration } from 'kysely';
import { migrationTypes } from './types.js';

/** Triggers and timers, one row each, removed with their system. */
export const triggers004: Migration = {
  async up(db: Kysely<unknown>) {
    const t = migrationTypes(db);
    await db.schema
      .createTable('triggers')
      .addColumn('system_key', 'text', (c) =>
        c.notNull().references('systems.system_key').onDelete('cascade'),
      )
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('def_module', 'text', (c) => c.notNull())
      .addColumn('def_name', 'text', (c) => c.notNull())
      .addColumn('key_value_pairs', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('service_name', 'text', (c) => c.notNull())
      .addColumn('creator_kind', 'text', (c) => c.notNull())
      .addColumn('creator_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('triggers_pk', ['system_key', 'name'])
      .execute();
    await db.schema
      .createTable('timers')
      .addColumn('system_key', 'text', (c) =>
        c.notNull().references('systems.system_key').onDelete('cascade'),
      )
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('start_time', 'bigint', (c) => c.notNull())
      .addColumn('repeats', 'integer', (c) => c.notNull())
      .addColumn('frequency', t.real, (c) => c.notNull())
      .addColumn('cron', 'text')
      .addColumn('service_name', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('creator_kind', 'text', (c) => c.notNull())
      .addColumn('creator_id', 'text', (c) => c.notNull())
      .addColumn('runs', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_run', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('timers_pk', ['system_key', 'name'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('timers').execute();
    await db.schema.dropTable('triggers').execute();
  },
};
