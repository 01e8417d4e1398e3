import type { Migration } from 'kysely';
import { createTables, defaulted, notNull, primaryKey, table } from './builders.js';

/** Platform-wide settings (name → value); the first is the developer registration key, stored hashed. */
export const settings007: Migration = createTables(() => [
  table('platform_settings', {
    name: primaryKey('text'),
    value: notNull('text'),
    updated_by: defaulted('text', ''),
    updated_at: notNull('bigint'),
  }),
]);
