import { type Kysely, type Migration } from 'kysely';
import { migrationTypes } from './types.js';

/** Code services and libraries with their immutable versions, and invocation logs. */
export const code002: Migration = {
  async up(db: Kysely<unknown>) {
    const t = migrationTypes(db);
    await db.schema
      .createTable('code_services')
      .addColumn('system_key', 'text', (c) =>
        c.notNull().references('systems.system_key').onDelete('cascade'),
      )
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('current_version', 'integer', (c) => c.notNull())
      .addColumn('logging_enabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('log_level', 'text', (c) => c.notNull().defaultTo('debug'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('code_services_pk', ['system_key', 'name'])
      .execute();
    await db.schema
      .createTable('code_service_versions')
      .addColumn('system_key', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('bundle', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('dependencies', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('run_user', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('execution_timeout', 'integer', (c) => c.notNull())
      .addColumn('auto_restart', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('auto_balance', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('concurrency', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('log_ttl_minutes', 'integer', (c) => c.notNull())
      .addColumn('memory_limit_mb', 'integer')
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('rolled_back_from', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('code_service_versions_pk', ['system_key', 'name', 'version'])
      .addForeignKeyConstraint(
        'code_service_versions_service',
        ['system_key', 'name'],
        'code_services',
        ['system_key', 'name'],
        (fk) => fk.onDelete('cascade'),
      )
      .execute();
    await db.schema
      .createTable('code_libraries')
      .addColumn('system_key', 'text', (c) =>
        c.notNull().references('systems.system_key').onDelete('cascade'),
      )
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('current_version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('code_libraries_pk', ['system_key', 'name'])
      .execute();
    await db.schema
      .createTable('code_library_versions')
      .addColumn('system_key', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('dependencies', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('api', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('visibility', 'text', (c) => c.notNull().defaultTo('system'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('code_library_versions_pk', ['system_key', 'name', 'version'])
      .addForeignKeyConstraint(
        'code_library_versions_library',
        ['system_key', 'name'],
        'code_libraries',
        ['system_key', 'name'],
        (fk) => fk.onDelete('cascade'),
      )
      .execute();
    await db.schema
      .createTable('code_logs')
      .addColumn('seq', t.serial, t.serialKey)
      .addColumn('system_key', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('instance_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('success', 'integer')
      .addColumn('duration_ms', 'integer')
      .addColumn('lines', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('code_logs_service')
      .on('code_logs')
      .columns(['system_key', 'name', 'started_at'])
      .execute();
    await db.schema.createIndex('code_logs_instance').on('code_logs').column('instance_id').execute();
    await db.schema.createIndex('code_logs_expiry').on('code_logs').column('expires_at').execute();
  },
  async down(db: Kysely<unknown>) {
    for (const t of [
      'code_logs',
      'code_library_versions',
      'code_libraries',
      'code_service_versions',
      'code_services',
    ]) {
      await db.schema.dropTable(t).execute();
    }
  },
};
