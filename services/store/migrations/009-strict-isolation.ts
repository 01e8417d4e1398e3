import { type Kysely, type Migration } from 'kysely';

/**
 * Per-version strict-isolation switch. Runs are warm by default (a context of the version serves many runs,
 * each in a fresh scope); a service whose author asks for it gets a fresh V8 context for every run, as
 * before warm runs existed. Existing versions stay warm.
 */
export const strictIsolation009: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('code_service_versions')
      .addColumn('strict_isolation', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('code_service_versions').dropColumn('strict_isolation').execute();
  },
};
