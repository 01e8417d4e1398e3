// In-service `ClearBlade.Trigger.Create/Fetch` and instance `Update/Delete` (reference §4.2): the
// handlers of the `trigger.*` bridge ops. A service acts as its runAs identity: developers may do
// anything in their system; users and devices need the `triggers` list permission.

import type { HostContext } from '../../../engine/types.js';
import type { Actor } from '../../identity/types.js';
import type { TriggersApi } from '../api.js';
import {
  creatorOf,
  requireList,
  requireService,
  type ListAction,
  type ListResource,
  type PermissionIdentity,
} from '../permissions.js';

/** A bridge op handler as the host calls it: JSON arguments in, JSON value out. */
export type OpHandler = (ctx: HostContext, args: readonly unknown[]) => Promise<unknown>;

/** Checks the permission, then runs `fn` with the system key and the acting principal. */
export function guarded<T>(
  identity: PermissionIdentity,
  resource: ListResource,
  action: ListAction,
  fn: (systemKey: string, principal: Actor) => Promise<T> | T,
  input?: unknown,
): (ctx: HostContext) => Promise<T> {
  return async (ctx) => {
    const principal = ctx.runAs;
    requireList(identity, principal, ctx.runAs.systemKey, resource, action);
    requireService(identity, principal, ctx.runAs.systemKey, input);
    return fn(ctx.runAs.systemKey, principal);
  };
}

const text = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));
const object = <T>(v: unknown): T => (typeof v === 'object' && v !== null ? (v as T) : ({} as T));

/** Handlers of `trigger.create|fetch|update|delete`. */
export function triggerOps(api: TriggersApi, identity: PermissionIdentity): Record<string, OpHandler> {
  return {
    'trigger.create': (ctx, [name, opts]) =>
      guarded(
        identity,
        'triggers',
        'CREATE',
        (sk, p) => api.createTrigger(sk, text(name), object(opts), creatorOf(p)),
        opts,
      )(ctx),
    'trigger.fetch': (ctx, [name]) =>
      guarded(identity, 'triggers', 'READ', (sk) => api.getTrigger(sk, text(name)))(ctx),
    'trigger.update': (ctx, [name, changes]) =>
      guarded(
        identity,
        'triggers',
        'UPDATE',
        (sk) => api.updateTrigger(sk, text(name), object(changes)),
        changes,
      )(ctx),
    'trigger.delete': (ctx, [name]) =>
      guarded(identity, 'triggers', 'DELETE', (sk) => api.deleteTrigger(sk, text(name)))(ctx),
  };
}
