// In-service `ClearBlade.Timer.Create/Fetch` and instance `Update/Delete` (reference §5): the handlers of
// the `timer.*` bridge ops. Same permission rule as triggers, on the `timers` list permission.

import type { AutomationApi } from '../api.js';
import { creatorOf, guarded, type OpHandler, type PermissionIdentity } from '../permissions.js';

const text = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));
const object = <T>(v: unknown): T => (typeof v === 'object' && v !== null ? (v as T) : ({} as T));

/** Handlers of `timer.create|fetch|update|delete`. */
export function timerOps(api: AutomationApi, identity: PermissionIdentity): Record<string, OpHandler> {
  return {
    'timer.create': (ctx, [name, opts]) =>
      guarded(
        identity,
        'timers',
        'CREATE',
        (sk, p) => api.createTimer(sk, text(name), object(opts), creatorOf(p)),
        opts,
      )(ctx),
    'timer.fetch': (ctx, [name]) =>
      guarded(identity, 'timers', 'READ', (sk) => api.getTimer(sk, text(name)))(ctx),
    'timer.update': (ctx, [name, changes]) =>
      guarded(
        identity,
        'timers',
        'UPDATE',
        (sk) => api.updateTimer(sk, text(name), object(changes)),
        changes,
      )(ctx),
    'timer.delete': (ctx, [name]) =>
      guarded(identity, 'timers', 'DELETE', (sk) => api.deleteTimer(sk, text(name)))(ctx),
  };
}
