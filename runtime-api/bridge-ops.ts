// Names of the platform operations user code may reach through Host.call (engine/types.ts).
// The prelude calls them; services/ registers one handler per name; the bridge refuses any other name.
// Arguments and results are JSON values.

export const BRIDGE_OPS = [
  // message history (issue 6): args mirror ClearBlade's Messaging signatures, minus the callback
  'history.get', // [topic, startEpochS, count]
  'history.getWithTimeFrame', // [topic, count, last, start, stop]
  'history.getAndDelete', // [topic, count, last, start, stop]
  'history.currentTopics', // []
  // triggers and timers (issue 5)
  'trigger.create', // [name, {def_module, def_name, key_value_pairs, service_name}]
  'trigger.fetch', // [name]
  'trigger.update', // [name, changes]
  'trigger.delete', // [name]
  'timer.create', // [name, {start_time, repeats, frequency, service_name, description, cron}]
  'timer.fetch', // [name]
  'timer.update', // [name, changes]
  'timer.delete', // [name]
  // delayed publishes of ClearBlade.Messaging() (issue 4): answered by the engine's bridge itself, never Host.call
  'messaging.setTimeout', // [ms, topic, payload]
  'messaging.setInterval', // [ms, topic, payload, iterations]
  'messaging.cancel', // [id]
] as const satisfies readonly string[];

export type BridgeOp = (typeof BRIDGE_OPS)[number];
