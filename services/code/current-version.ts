// Services and libraries keep their versions the same way: a head row (system, name, `current_version`) and
// one row per version in a versions table. This is the one place that says how a head finds its current one.
import type { JoinBuilder } from 'kysely';

/** The columns the join reads: `h` is the head row (service or library), `v` a row of its versions table. */
interface HeadAndVersion {
  readonly h: { system_key: string; name: string; current_version: number };
  readonly v: { system_key: string; name: string; version: number };
}

/** Joins a head (`h`) to its current version (`v`), for `innerJoin('…_versions as v', onCurrentVersion)`. */
export function onCurrentVersion<DB extends HeadAndVersion>(
  j: JoinBuilder<DB, 'h' | 'v'>,
): JoinBuilder<DB, 'h' | 'v'> {
  return j
    .onRef('v.system_key', '=', 'h.system_key')
    .onRef('v.name', '=', 'h.name')
    .onRef('v.version', '=', 'h.current_version');
}
