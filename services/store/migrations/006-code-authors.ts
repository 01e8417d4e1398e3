import { type Kysely, type Migration } from 'kysely';

/**
 * Who saved each service version (DESIGN.md "Code services", Identity): a stream service runs as that identity and a
 * micro service never runs above its rights. Versions saved before this migration were saved through
 * developer endpoints or by users whose identity was not kept; they stay "developer, id ''" (the
 * system's owner), i.e. they keep running as they did.
 */
export const codeAuthors006: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('code_service_versions')
      .addColumn('created_by_kind', 'text', (c) => c.notNull().defaultTo('developer'))
      .execute();
    await db.schema
      .alterTable('code_service_versions')
      .addColumn('created_by_id', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('code_service_versions').dropColumn('created_by_id').execute();
    await db.schema.alterTable('code_service_versions').dropColumn('created_by_kind').execute();
  },
};
