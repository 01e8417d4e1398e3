import type { Migration } from 'kysely';
import { addColumns, defaulted } from './builders.js';

/**
 * Who saved each service version (DESIGN.md "Code services", Identity): a stream service runs as that identity and a
 * micro service never runs above its rights. Versions saved before this migration were saved through
 * developer endpoints or by users whose identity was not kept; they stay "developer, id ''" (the
 * system's owner), i.e. they keep running as they did.
 */
export const codeAuthors006: Migration = addColumns('code_service_versions', {
  created_by_kind: defaulted('text', 'developer'),
  created_by_id: defaulted('text', ''),
});
