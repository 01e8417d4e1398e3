// In-service `ClearBlade.Trigger.Create/Fetch` and instance `Update/Delete` (reference §4.2): the
// handlers of the `trigger.*` bridge ops. A service acts as its runAs identity: developers may do
// anything in their system; users and devices need the `triggers` list permission (recordOps).

import type { AutomationApi } from '../api.js';
import { recordOps, type OpHandler, type PermissionIdentity } from '../permissions.js';

/** Handlers of `trigger.create|fetch|update|delete`. */
export function triggerOps(api: AutomationApi, identity: PermissionIdentity): Record<string, OpHandler> {
  const { getTrigger: get, createTrigger: create, updateTrigger: update, deleteTrigger: remove } = api;
  return recordOps(identity, 'triggers', 'trigger', { get, create, update, remove });
}
