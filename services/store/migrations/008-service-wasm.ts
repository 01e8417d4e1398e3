import { type Kysely, type Migration } from 'kysely';

/**
 * Per-version WebAssembly switch. WebAssembly memory lives outside the V8 heap limit, so the engine keeps
 * the global away from services unless their author asks for it (then every module memory is charged at
 * its declared maximum against the service's memory limit). Existing versions stay without it.
 */
export const serviceWasm008: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('code_service_versions')
      .addColumn('allow_wasm', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('code_service_versions').dropColumn('allow_wasm').execute();
  },
};
