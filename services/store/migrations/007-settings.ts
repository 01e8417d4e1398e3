import { type Kysely, type Migration } from 'kysely';

/** Platform-wide settings (name → value); the first is the developer registration key, stored hashed. */
export const settings007: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('platform_settings')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('platform_settings').execute();
  },
};
