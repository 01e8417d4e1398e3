// In-service `ClearBlade.Trigger.Create/Fetch` and instance `Update/Delete` (reference §4.2): the
// handlers of the `trigger.*` bridge ops. A service acts as its runAs identity: developers may do
// anything in their system; users and devices need the `triggers` list permission.

import type { AutomationApi } from '../api.js';
import { creatorOf, guarded, type OpHandler, type PermissionIdentity } from '../permissions.js';

const text = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));
const object = <T>(v: unknown): T => (typeof v === 'object' && v !== null ? (v as T) : ({} as T));

/** Handlers of `trigger.create|fetch|update|delete`. */
export function triggerOps(api: AutomationApi, identity: PermissionIdentity): Record<string, OpHandler> {
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
