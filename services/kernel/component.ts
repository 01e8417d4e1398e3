// The component contract: what every platform area is built from and what it hands back to the
// composition root (services/platform.ts). Areas import this module, never platform.ts, so the root
// stays imported by nobody (CONVENTIONS.md §21; miniflare keeps its `Plugin` contract in plugins/shared).
import type { FastifyPluginAsync } from 'fastify';
import type { ListeningPorts } from '../../broker/types.js';
import type { HostContext } from '../../engine/types.js';
import type { BridgeOp } from '../../runtime-api/bridge-ops.js';
import type { Config } from '../config/load.js';
import type { Store } from '../store/index.js';
import type { Clock } from './clock.js';
import type { Cluster } from './cluster.js';
import type { PlatformEvents } from './events.js';
import type { Log } from './log.js';

/** Actual ports after listening; null for a disabled listener. Printed in the `isobar ready` line. */
export interface Ports extends ListeningPorts {
  http: number | null;
  /** The separate metrics listener (services/metrics), when one is configured. */
  metrics?: number | null;
}

/** What every component is built from. */
export interface ComponentBase {
  readonly config: Config;
  readonly log: Log;
  readonly clock: Clock;
  readonly store: Store;
  readonly events: PlatformEvents;
  /** The other nodes (services/kernel/cluster.ts): `singleNode` unless cluster mode. */
  readonly cluster: Cluster;
}

/** One platform operation reachable from services through `Host.call`: JSON arguments in, JSON value out. */
export type OpHandler = (ctx: HostContext, args: readonly unknown[]) => unknown;

/** The handlers a component contributes, keyed by op name; each op's owner (runtime-api/bridge-ops.ts) is the component. */
export type BridgeOpHandlers = Readonly<Partial<Record<BridgeOp, OpHandler>>>;

/** One area of the platform as the composition root sees it. */
export interface Component {
  readonly name: string;
  readonly routes?: readonly FastifyPluginAsync[];
  /** The bridge ops this area answers for user code; the root gathers them into one table (bridge-ops.ts). */
  readonly ops?: BridgeOpHandlers;
  /** Called in creation order after HTTP listens; may report the ports it opened. */
  start?(): Promise<Partial<Ports> | void>;
  /** Called in reverse order; must finish in-flight work and be idempotent. */
  close?(): Promise<void>;
}
