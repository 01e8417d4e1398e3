import type { Migration } from 'kysely';
import { addColumns, defaulted } from './builders.js';

/**
 * Per-version WebAssembly switch. WebAssembly memory lives outside the V8 heap limit, so the engine keeps
 * the global away from services unless their author asks for it (then every module memory is charged at
 * its declared maximum against the service's memory limit). Existing versions stay without it.
 */
export const serviceWasm008: Migration = addColumns('code_service_versions', {
  allow_wasm: defaulted('integer', 0),
});
