// One set of operations on triggers and timers in wire form, shared by the REST routes, the in-service
// bridge ops and the CLI (through REST). Callers check permissions first (permissions.ts).

import type { TimerInput } from './timers/definition.js';
import type { TimerRegistry } from './timers/registry.js';
import type { TimerScheduler } from './timers/scheduler.js';
import { DEFINITIONS } from './triggers/definitions.js';
import type { Creator } from './record.js';
import type { TriggerInput, TriggerRegistry } from './triggers/registry.js';
import { renderTimer, renderTrigger } from './render.js';

type Wire = Record<string, unknown>;

export interface AutomationApi {
  definitions(): Wire[];
  listTriggers(systemKey: string): Wire[];
  getTrigger(systemKey: string, name: string): Wire;
  createTrigger(systemKey: string, name: string, input: TriggerInput, creator: Creator): Promise<Wire>;
  updateTrigger(systemKey: string, name: string, input: TriggerInput): Promise<Wire>;
  deleteTrigger(systemKey: string, name: string): Promise<Wire>;
  listTimers(systemKey: string): Wire[];
  getTimer(systemKey: string, name: string): Wire;
  createTimer(systemKey: string, name: string, input: TimerInput, creator: Creator): Promise<Wire>;
  updateTimer(systemKey: string, name: string, input: TimerInput): Promise<Wire>;
  deleteTimer(systemKey: string, name: string): Promise<Wire>;
}

/** Builds the API over the registries; `secretOf` gives the system secret ClearBlade echoes back. */
export function createAutomationApi(deps: {
  readonly triggers: TriggerRegistry;
  readonly timers: TimerRegistry;
  readonly scheduler: TimerScheduler;
  readonly secretOf: (systemKey: string) => string;
}): AutomationApi {
  const { triggers, timers, scheduler, secretOf } = deps;
  const timer = (t: Parameters<typeof renderTimer>[0]) =>
    renderTimer(t, secretOf(t.systemKey), scheduler.nextRunOf(t.systemKey, t.name));
  const trigger = (t: Parameters<typeof renderTrigger>[0]) => renderTrigger(t, secretOf(t.systemKey));
  return {
    definitions: () =>
      DEFINITIONS.map((d) => ({ def_module: d.def_module, def_name: d.def_name, def_keys: [...d.def_keys] })),
    listTriggers: (systemKey) => triggers.list(systemKey).map(trigger),
    getTrigger: (systemKey, name) => trigger(triggers.get(systemKey, name)),
    createTrigger: async (systemKey, name, input, creator) =>
      trigger(await triggers.create(systemKey, name, input, creator)),
    updateTrigger: async (systemKey, name, input) => trigger(await triggers.update(systemKey, name, input)),
    deleteTrigger: async (systemKey, name) => trigger(await triggers.delete(systemKey, name)),
    listTimers: (systemKey) => timers.list(systemKey).map(timer),
    getTimer: (systemKey, name) => timer(timers.get(systemKey, name)),
    createTimer: async (systemKey, name, input, creator) =>
      timer(await timers.create(systemKey, name, input, creator)),
    updateTimer: async (systemKey, name, input) => timer(await timers.update(systemKey, name, input)),
    deleteTimer: async (systemKey, name) => {
      const gone = await timers.delete(systemKey, name);
      return renderTimer(gone, secretOf(systemKey), undefined);
    },
  };
}
