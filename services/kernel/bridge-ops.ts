// One table of bridge-op handlers for the code host, gathered from what each component contributes
// through the contract (component.ts `ops`) and checked against runtime-api/bridge-ops.ts: every op has
// exactly one handler, given by its owner. A mismatch is a wiring mistake and stops the platform at
// creation, before any service could reach a missing op.
import { BRIDGE_OP_TABLE, BRIDGE_OPS, isBridgeOp, type BridgeOp } from '../../runtime-api/bridge-ops.js';
import type { Component, OpHandler } from './component.js';

/** The gathered handlers; the engine-owned ops (`owner: 'engine'`) have none here. */
export type BridgeOpTable = ReadonlyMap<string, OpHandler>;

/** Gathers every component's bridge ops into one table; throws on an unknown, foreign, doubled or missing op. */
export function collectBridgeOps(components: readonly Pick<Component, 'name' | 'ops'>[]): BridgeOpTable {
  const table = new Map<BridgeOp, OpHandler>();
  const givenBy = new Map<BridgeOp, string>();
  for (const component of components) {
    for (const [name, handler] of Object.entries(component.ops ?? {})) {
      if (handler === undefined) continue;
      if (!isBridgeOp(name)) throw new Error(`unknown bridge op ${name} (from ${component.name})`);
      const owner = BRIDGE_OP_TABLE[name].owner;
      if (owner !== component.name) {
        throw new Error(`bridge op ${name} belongs to ${owner}, not ${component.name}`);
      }
      const earlier = givenBy.get(name);
      if (earlier !== undefined)
        throw new Error(`bridge op ${name} has two handlers (${earlier}, ${component.name})`);
      givenBy.set(name, component.name);
      table.set(name, handler);
    }
  }
  const missing = BRIDGE_OPS.filter((op) => BRIDGE_OP_TABLE[op].owner !== 'engine' && !table.has(op));
  if (missing.length > 0) throw new Error(`bridge ops without a handler: ${missing.join(', ')}`);
  return table;
}
