import { type Kysely, type Migration } from 'kysely';

/** Shared-cache definitions (services/cache) and the per-system outbound-HTTP allow-list (services/outbound-http). */
export const cachesHttp011: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('service_caches')
      .addColumn('system_key', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('ttl', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('service_caches_pk', ['system_key', 'name'])
      .execute();
    await db.schema
      .createTable('http_allowlist')
      .addColumn('system_key', 'text', (c) => c.notNull())
      .addColumn('entry', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('http_allowlist_pk', ['system_key', 'entry'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('http_allowlist').execute();
    await db.schema.dropTable('service_caches').execute();
  },
};
