import { type Kysely, type Migration } from 'kysely';
import { migrationTypes } from './types.js';

/** Developers, systems, users, devices, roles, role membership and tokens. */
export const identity001: Migration = {
  async up(db: Kysely<unknown>) {
    const t = migrationTypes(db);
    await db.schema
      .createTable('developers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('fname', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('lname', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('org', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('systems')
      .addColumn('system_key', 'text', (c) => c.primaryKey())
      .addColumn('system_secret', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'text', (c) => c.notNull().references('developers.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('token_ttl', 'integer', (c) => c.notNull())
      .addColumn('duplicate_client_id', 'text', (c) => c.notNull().defaultTo('reject'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('systems_owner').on('systems').column('owner_id').execute();
    await db.schema
      .createTable('users')
      .addColumn('user_id', 'text', (c) => c.primaryKey())
      .addColumn('system_key', 'text', (c) =>
        c.notNull().references('systems.system_key').onDelete('cascade'),
      )
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('custom', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('creation_date', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('users_system_email', ['system_key', 'email'])
      .execute();
    await db.schema
      .createTable('devices')
      .addColumn('system_key', 'text', (c) =>
        c.notNull().references('systems.system_key').onDelete('cascade'),
      )
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('active_key_hash', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('allow_key_auth', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('type', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('state', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('custom', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_date', 'bigint', (c) => c.notNull())
      .addColumn('last_active_date', 'bigint')
      .addPrimaryKeyConstraint('devices_pk', ['system_key', 'name'])
      .execute();
    await db.schema
      .createTable('roles')
      .addColumn('system_key', 'text', (c) =>
        c.notNull().references('systems.system_key').onDelete('cascade'),
      )
      .addColumn('role_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('permissions', 'text', (c) => c.notNull().defaultTo('{}'))
      .addPrimaryKeyConstraint('roles_pk', ['system_key', 'role_id'])
      .addUniqueConstraint('roles_system_name', ['system_key', 'name'])
      .execute();
    await db.schema
      .createTable('role_members')
      .addColumn('system_key', 'text', (c) => c.notNull())
      .addColumn('role_id', 'text', (c) => c.notNull())
      .addColumn('member_kind', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('role_members_pk', ['system_key', 'role_id', 'member_kind', 'member_id'])
      .addForeignKeyConstraint(
        'role_members_role',
        ['system_key', 'role_id'],
        'roles',
        ['system_key', 'role_id'],
        (fk) => fk.onDelete('cascade'),
      )
      .execute();
    await db.schema
      .createIndex('role_members_member')
      .on('role_members')
      .columns(['system_key', 'member_kind', 'member_id'])
      .execute();
    await db.schema
      .createTable('tokens')
      .addColumn('seq', t.serial, t.serialKey)
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('subject_id', 'text', (c) => c.notNull())
      .addColumn('system_key', 'text')
      .addColumn('issued_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema.createIndex('tokens_subject').on('tokens').columns(['kind', 'subject_id']).execute();
    await db.schema.createIndex('tokens_expiry').on('tokens').column('expires_at').execute();
  },
  async down(db: Kysely<unknown>) {
    for (const t of ['tokens', 'role_members', 'roles', 'devices', 'users', 'systems', 'developers']) {
      await db.schema.dropTable(t).execute();
    }
  },
};
