// The platform operations user code may reach through Host.call (engine/types.ts): one table saying, for
// each op, which platform component owns its handler and what arguments the prelude passes. The prelude
// calls them; each owning component contributes one handler per name through the component contract
// (services/kernel/component.ts); the bridge refuses any other name. Arguments and results are JSON values.

/** Who answers an op: a platform component by its `name`, or the engine's bridge itself. */
export type BridgeOpOwner = 'history' | 'automation' | 'cache' | 'http' | 'collections' | 'engine';

/** One row of the table: the owner and the positional arguments the prelude sends, by name. */
export interface BridgeOpSpec {
  readonly owner: BridgeOpOwner;
  readonly args: readonly string[];
}

type AutomationVerb = 'create' | 'fetch' | 'update' | 'delete';

/** The four ops of an automation resource (`<kind>.create|fetch|update|delete`); only create's body differs. */
function automationOps<K extends 'trigger' | 'timer'>(
  kind: K,
  createBody: string,
): Record<`${K}.${AutomationVerb}`, BridgeOpSpec> {
  const args: Record<AutomationVerb, readonly string[]> = {
    create: ['name', createBody],
    fetch: ['name'],
    update: ['name', 'changes'],
    delete: ['name'],
  };
  const ops = {} as Record<`${K}.${AutomationVerb}`, BridgeOpSpec>;
  for (const verb of ['create', 'fetch', 'update', 'delete'] as const) {
    ops[`${kind}.${verb}` as const] = { owner: 'automation', args: args[verb] };
  }
  return ops;
}

export const BRIDGE_OP_TABLE = {
  // message history: args mirror ClearBlade's Messaging signatures, minus the callback (reference §10.4)
  'history.get': { owner: 'history', args: ['topic', 'startEpochS', 'count'] },
  'history.getWithTimeFrame': { owner: 'history', args: ['topic', 'count', 'last', 'start', 'stop'] },
  'history.getAndDelete': { owner: 'history', args: ['topic', 'count', 'last', 'start', 'stop'] },
  'history.currentTopics': { owner: 'history', args: [] },
  // triggers and timers (reference §4.2, §5): ClearBlade.Trigger / ClearBlade.Timer and their instances
  ...automationOps('trigger', '{def_module, def_name, key_value_pairs, service_name}'),
  ...automationOps('timer', '{start_time, repeats, frequency, service_name, description, cron}'),
  // shared caches, ClearBlade.Cache(name) (reference §3.7): `ttl` is optional seconds (else the cache default)
  'cache.get': { owner: 'cache', args: ['cache', 'key'] },
  'cache.getAll': { owner: 'cache', args: ['cache'] },
  'cache.set': { owner: 'cache', args: ['cache', 'key', 'value', 'ttl'] },
  'cache.setnx': { owner: 'cache', args: ['cache', 'key', 'value', 'ttl'] },
  'cache.setMultiple': { owner: 'cache', args: ['cache', '{key: value}', 'ttl'] },
  'cache.delete': { owner: 'cache', args: ['cache', 'key'] },
  'cache.flush': { owner: 'cache', args: ['cache'] },
  // outbound HTTP, Requests() and fetch (reference §10.1): checked, sent and limited on the host
  'http.request': {
    owner: 'http',
    args: ['{method, uri, headers, body, qs, timeout, followRedirect}'],
  },
  // Collections (ClearBlade.Collection / Query / Item, reference §10.3); `collection` is
  // {collectionID} or {collectionName} (a string is an id), `query` the SDK's query object
  'collection.fetch': { owner: 'collections', args: ['collection', 'query'] },
  'collection.create': { owner: 'collections', args: ['collection', 'itemOrItems'] },
  'collection.update': { owner: 'collections', args: ['collection', 'query', 'changes'] },
  'collection.remove': { owner: 'collections', args: ['collection', 'query'] },
  'collection.count': { owner: 'collections', args: ['collection', 'query'] },
  'collection.columns': { owner: 'collections', args: ['collection'] },
  // delayed publishes of ClearBlade.Messaging(): answered by the engine's bridge itself, never Host.call
  'messaging.setTimeout': { owner: 'engine', args: ['ms', 'topic', 'payload'] },
  'messaging.setInterval': { owner: 'engine', args: ['ms', 'topic', 'payload', 'iterations'] },
  'messaging.cancel': { owner: 'engine', args: ['id'] },
} as const satisfies Readonly<Record<string, BridgeOpSpec>>;

export type BridgeOp = keyof typeof BRIDGE_OP_TABLE;

/** Every op name, in table order (the engine's bridge admits exactly these). */
export const BRIDGE_OPS = Object.keys(BRIDGE_OP_TABLE) as readonly BridgeOp[];

/** True when `name` is a row of the table. */
export function isBridgeOp(name: string): name is BridgeOp {
  return Object.prototype.hasOwnProperty.call(BRIDGE_OP_TABLE, name);
}
