import type { Migration } from 'kysely';
import { createTables, notNull, ownedBy, primaryKey, table } from './builders.js';

/**
 * Collections: the catalogue (one row per collection, one per column). Item tables are made per
 * collection by services/collections/storage/ when a developer creates one.
 */
export const collections010: Migration = createTables((t) => [
  table(
    'collections',
    {
      collection_id: primaryKey('text'),
      system_key: notNull('text'),
      name: notNull('text'),
      created_at: notNull(t.int64),
    },
    (tb) => tb.addUniqueConstraint('collections_system_name', ['system_key', 'name']),
  ),
  table(
    'collection_columns',
    {
      collection_id: ownedBy('text', 'collections.collection_id'),
      name: notNull('text'),
      type: notNull('text'),
      position: notNull('integer'),
    },
    (tb) => tb.addPrimaryKeyConstraint('collection_columns_pk', ['collection_id', 'name']),
  ),
]);
