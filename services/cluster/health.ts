// /healthz in cluster or PostgreSQL mode: this node, and whether each shared engine answers. One engine
// down makes the node unhealthy (503), so a load balancer stops sending it work it cannot finish.
import { sql } from 'kysely';
import { settlesWithin } from '../../runtime-api/clock.js';
import type { Clock } from '../kernel/clock.js';
import type { Cluster } from '../kernel/cluster.js';
import type { Store } from '../store/index.js';

/** How long `select 1` may take before PostgreSQL counts as down. */
const QUERY_TIMEOUT_MS = 1000;

/** The body of /healthz beyond `status`: the node id and each shared engine's state. */
export interface EngineHealth {
  readonly node: string;
  readonly engines: Readonly<Record<string, 'ok' | 'down'>>;
}

/** Resolves `probe` as 'ok', or 'down' when it fails or outlasts `ms` (a probe never holds /healthz up). */
export async function probeWithin(probe: Promise<unknown>, ms: number, clock: Clock): Promise<'ok' | 'down'> {
  let answered = false;
  const settled = await settlesWithin(
    probe.then(() => {
      answered = true;
    }),
    ms,
    clock,
  );
  return settled && answered ? 'ok' : 'down';
}

/** Builds the probe /healthz runs when the platform depends on engines outside the process; else undefined. */
export function engineHealth(deps: {
  readonly cluster: Cluster;
  readonly store: Store;
  readonly clock: Clock;
}): (() => Promise<EngineHealth>) | undefined {
  const { cluster, store, clock } = deps;
  if (!cluster.enabled && store.dialect !== 'postgres') return undefined;
  return async () => {
    const [shared, postgres] = await Promise.all([
      cluster.health(),
      store.dialect === 'postgres'
        ? probeWithin(sql`select 1`.execute(store.db), QUERY_TIMEOUT_MS, clock)
        : undefined,
    ]);
    return {
      node: cluster.nodeId,
      engines: postgres === undefined ? shared : { ...shared, postgres },
    };
  };
}
