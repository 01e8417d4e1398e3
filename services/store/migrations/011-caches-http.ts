import type { Migration } from 'kysely';
import { createTables, defaulted, notNull, table } from './builders.js';

/** Shared-cache definitions (services/cache) and the per-system outbound-HTTP allow-list (services/outbound-http). */
export const cachesHttp011: Migration = createTables(() => [
  table(
    'service_caches',
    {
      system_key: notNull('text'),
      name: notNull('text'),
      description: defaulted('text', ''),
      ttl: defaulted('integer', 0),
      created_at: notNull('bigint'),
    },
    (tb) => tb.addPrimaryKeyConstraint('service_caches_pk', ['system_key', 'name']),
  ),
  table('http_allowlist', { system_key: notNull('text'), entry: notNull('text') }, (tb) =>
    tb.addPrimaryKeyConstraint('http_allowlist_pk', ['system_key', 'entry']),
  ),
]);
