import type { Migration } from 'kysely';
import { addColumns, defaulted } from './builders.js';

/**
 * Per-version strict-isolation switch. Runs are warm by default (a context of the version serves many runs,
 * each in a fresh scope); a service whose author asks for it gets a fresh V8 context for every run, as
 * before warm runs existed. Existing versions stay warm.
 */
export const strictIsolation009: Migration = addColumns('code_service_versions', {
  strict_isolation: defaulted('integer', 0),
});
