import { type Kysely, type Migration } from 'kysely';
import { migrationTypes } from './types.js';

/** Edge registry and deployments (platform side); relay outbox and applied assets (edge side). */
export const edges005: Migration = {
  async up(db: Kysely<unknown>) {
    const t = migrationTypes(db);
    await db.schema
      .createTable('edges')
      .addColumn('system_key', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('first_talked', 'bigint')
      .addColumn('last_talked', 'bigint')
      .addPrimaryKeyConstraint('edges_pk', ['system_key', 'name'])
      .execute();
    await db.schema
      .createTable('edge_deployments')
      .addColumn('system_key', 'text', (c) => c.notNull())
      .addColumn('edge', 'text', (c) => c.notNull())
      .addColumn('asset_class', 'text', (c) => c.notNull())
      .addColumn('asset_id', 'text', (c) => c.notNull())
      .addColumn('added_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('edge_deployments_pk', ['system_key', 'edge', 'asset_class', 'asset_id'])
      .addForeignKeyConstraint(
        'edge_deployments_edge',
        ['system_key', 'edge'],
        'edges',
        ['system_key', 'name'],
        (fk) => fk.onDelete('cascade'),
      )
      .execute();
    await db.schema
      .createTable('edge_outbox')
      .addColumn('seq', t.serial, t.serialKey)
      .addColumn('topic', 'text', (c) => c.notNull())
      .addColumn('payload', t.blob, (c) => c.notNull())
      .addColumn('qos', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('edge_applied')
      .addColumn('system_key', 'text', (c) => c.notNull())
      .addColumn('asset_class', 'text', (c) => c.notNull())
      .addColumn('asset_id', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('applied_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('edge_applied_pk', ['system_key', 'asset_class', 'asset_id'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const t of ['edge_applied', 'edge_outbox', 'edge_deployments', 'edges']) {
      await db.schema.dropTable(t).execute();
    }
  },
};
