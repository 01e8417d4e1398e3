import { type Kysely, type Migration } from 'kysely';
import { migrationTypes } from './types.js';

/**
 * Collections: the catalogue (one row per collection, one per column). Item tables are made per
 * collection by services/collections/storage/ when a developer creates one.
 */
export const collections010: Migration = {
  async up(db: Kysely<unknown>) {
    const t = migrationTypes(db);
    await db.schema
      .createTable('collections')
      .addColumn('collection_id', 'text', (c) => c.primaryKey())
      .addColumn('system_key', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', t.int64, (c) => c.notNull())
      .addUniqueConstraint('collections_system_name', ['system_key', 'name'])
      .execute();
    await db.schema
      .createTable('collection_columns')
      .addColumn('collection_id', 'text', (c) =>
        c.notNull().references('collections.collection_id').onDelete('cascade'),
      )
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('collection_columns_pk', ['collection_id', 'name'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('collection_columns').execute();
    await db.schema.dropTable('collections').execute();
  },
};
