// What a trigger record and a timer record share: the rule for their names, who created them and how a row goes.
// Both kinds live in one table pair and one REST shape (reference §4.2, §5), so the rule is kept once.

import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Store } from '../store/index.js';
import type { CreatorKind } from '../store/tables/triggers.js';

/** Who made a trigger or timer (and, for timers, whom they run as). */
export interface Creator {
  readonly kind: CreatorKind;
  readonly id: string;
}

const NAME_RE = /^[^/#+\s][^/#+]{0,127}$/;

/** Trigger and timer names become topic levels (`$timer/<name>`) and URL segments: keep them plain. */
export function assertValidName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME_RE.test(name) || name.includes('::') || name.trim() !== name) {
    throw new IsobarError('CB_ERR_TRIGGER_BAD_NAME', { name: String(name) });
  }
}

/** Deletes one trigger or timer row (both tables are keyed by system and name). */
export async function deleteRecordRow(
  store: Store,
  table: 'triggers' | 'timers',
  systemKey: string,
  name: string,
): Promise<void> {
  await store.db.deleteFrom(table).where('system_key', '=', systemKey).where('name', '=', name).execute();
}
