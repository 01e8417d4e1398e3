// In-service `ClearBlade.Timer.Create/Fetch` and instance `Update/Delete` (reference §5): the handlers of
// the `timer.*` bridge ops. Same permission rule and argument shape as triggers (recordOps), on the
// `timers` list permission.

import type { AutomationApi } from '../api.js';
import { recordOps, type OpHandler, type PermissionIdentity } from '../permissions.js';

/** Handlers of `timer.create|fetch|update|delete`. */
export function timerOps(api: AutomationApi, identity: PermissionIdentity): Record<string, OpHandler> {
  const { getTimer: get, createTimer: create, updateTimer: update, deleteTimer: remove } = api;
  return recordOps(identity, 'timers', 'timer', { get, create, update, remove });
}
