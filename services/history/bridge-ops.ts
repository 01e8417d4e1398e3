// The `history.*` operations user code reaches through the bridge (ClearBlade.Messaging() history
// methods, reference §10.4). Each checks the msgHistory permission of the identity the service runs as.
import type { HostContext } from '../../engine/types.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import { PERM } from '../../runtime-api/constants.js';
import type { BridgeOp } from '../../runtime-api/bridge-ops.js';
import type { Actor } from '../identity/types.js';
import { normalizeQuery, type HistoryQuery, type HistoryRecord } from './query.js';

/** A bridge operation handler as the code registry's host takes it. */
export type OpHandler = (ctx: HostContext, args: readonly unknown[]) => Promise<unknown>;

/** What the ops ask of the history component. */
export interface HistoryOpsApi {
  level(principal: Actor, systemKey: string): number;
  query(systemKey: string, q: HistoryQuery): Promise<HistoryRecord[]>;
  delete(systemKey: string, q: HistoryQuery): Promise<HistoryRecord[]>;
  currentTopics(systemKey: string): Promise<string[]>;
}

type HistoryOp = Extract<BridgeOp, `history.${string}`>;

/** Builds the handlers for every `history.*` op listed in runtime-api/bridge-ops.ts. */
export function createHistoryOps(api: HistoryOpsApi): Record<HistoryOp, OpHandler> {
  const check = (ctx: HostContext, bit: number, action: string): string => {
    const systemKey = ctx.service.systemKey;
    if ((api.level(ctx.runAs, systemKey) & bit) === 0) {
      throw new IsobarError('CB_ERR_HISTORY_FORBIDDEN', { action });
    }
    return systemKey;
  };
  return {
    // getMessageHistory(topic, start, count): `start` is the time to look back from, as the Node SDK's `last`.
    'history.get': async (ctx, [topic, last, count]) =>
      api.query(check(ctx, PERM.READ, 'read'), normalizeQuery({ topic, count, last })),
    'history.getWithTimeFrame': async (ctx, [topic, count, last, start, stop]) =>
      api.query(check(ctx, PERM.READ, 'read'), normalizeQuery({ topic, count, last, start, stop })),
    'history.getAndDelete': async (ctx, [topic, count, last, start, stop]) =>
      api.delete(check(ctx, PERM.DELETE, 'delete'), normalizeQuery({ topic, count, last, start, stop })),
    'history.currentTopics': async (ctx) => api.currentTopics(check(ctx, PERM.READ, 'read')),
  };
}
