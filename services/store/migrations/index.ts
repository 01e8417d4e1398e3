import type { Migration, MigrationProvider } from 'kysely';
import { identity001 } from './001-identity.js';

/** Versioned migrations, applied in key order at start. Never edit a landed one; add the next. */
const migrations: Record<string, Migration> = {
  '001-identity': identity001,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
