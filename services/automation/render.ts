// The shapes triggers and timers take on the wire (REST answers and in-service Fetch), reference §4.2/§5.

import type { TimerRecord } from './timers/registry.js';
import type { TriggerRecord } from './triggers/registry.js';

/** A trigger as ClearBlade returns it: `{name, system_key, system_secret, event_definition, key_value_pairs, service_name}`. */
export function renderTrigger(t: TriggerRecord, systemSecret: string): Record<string, unknown> {
  return {
    name: t.name,
    system_key: t.systemKey,
    system_secret: systemSecret,
    event_definition: {
      def_module: t.definition.def_module,
      def_name: t.definition.def_name,
      def_keys: [...t.definition.def_keys],
      visibility: true,
    },
    key_value_pairs: { ...t.keyValuePairs },
    service_name: t.serviceName,
  };
}

/** A timer as ClearBlade returns it, plus `cron`, `timezone`, `runs`, `last_run` and `next_run` (RFC 3339 or null). */
export function renderTimer(
  t: TimerRecord,
  systemSecret: string,
  nextRun: number | undefined,
): Record<string, unknown> {
  return {
    name: t.name,
    timer_key: `${t.systemKey}::${t.name}`,
    system_key: t.systemKey,
    system_secret: systemSecret,
    description: t.description,
    start_time: new Date(t.startTime).toISOString(),
    repeats: t.repeats,
    frequency: t.frequency,
    cron: t.cron ?? '',
    timezone: t.timezone ?? 'UTC',
    service_name: t.serviceName,
    user_id: t.creator.id,
    runs: t.runs,
    last_run: t.lastRun === null ? null : new Date(t.lastRun).toISOString(),
    next_run: nextRun === undefined ? null : new Date(nextRun).toISOString(),
  };
}

/** The `$timer/<name>` payload of one firing. */
export function timerFiring(t: TimerRecord, at: number): Record<string, unknown> {
  return {
    timer: t.name,
    timer_key: `${t.systemKey}::${t.name}`,
    time: new Date(at).toISOString(),
    run: t.runs,
  };
}
