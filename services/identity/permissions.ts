// Role permissions: how they are stored, how ClearBlade's write shape changes them, how they read back
// (reference §6.2: the two shapes differ), and the topic/service checks on a member's merged roles.
import { IsobarError } from '../../runtime-api/errors/index.js';
import { filterCovers, filterProblem, parseShared } from '../../runtime-api/topics.js';
import { ITEM_KEYS, LIST_KEYS } from './permission-keys.js';
import type { TopicAction } from './types.js';

/** Stored form: per-item resources (write key → item name → level) and list-level resources (key → level). */
export interface RolePermissions {
  readonly items: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly lists: Readonly<Record<string, number>>;
}

export { ITEM_KEYS, LIST_KEYS };

export const NO_PERMISSIONS: RolePermissions = { items: {}, lists: {} };

/** What `Administrator` starts with: every topic (not `$` ones), every service, every list right. */
export function administratorPermissions(): RolePermissions {
  const lists: Record<string, number> = {};
  for (const key of Object.keys(LIST_KEYS)) lists[key] = 15;
  lists.allservices = 1;
  return { items: { topics: { '#': 3 } }, lists };
}

function level(value: unknown, field: string): number {
  const n =
    typeof value === 'object' && value !== null ? (value as { permissions?: unknown }).permissions : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 15) {
    throw new IsobarError('CB_ERR_IDENTITY_BAD_FIELD', {
      field,
      detail: 'permissions must be an integer 0..15',
    });
  }
  return n;
}

function itemName(entry: unknown, field: string): string {
  const info =
    typeof entry === 'object' && entry !== null ? (entry as { itemInfo?: unknown }).itemInfo : undefined;
  const rec = typeof info === 'object' && info !== null ? (info as { name?: unknown; id?: unknown }) : {};
  const name = typeof rec.name === 'string' && rec.name !== '' ? rec.name : rec.id;
  if (typeof name !== 'string' || name === '') {
    throw new IsobarError('CB_ERR_IDENTITY_BAD_FIELD', { field, detail: 'itemInfo.name is required' });
  }
  if (field === 'topics') {
    const problem = filterProblem(name);
    if (problem !== undefined) throw new IsobarError('CB_ERR_IDENTITY_BAD_FIELD', { field, detail: problem });
  }
  return name;
}

/**
 * Applies ClearBlade's write shape (`{topics:[{itemInfo:{name}, permissions}], allservices:{permissions}, …}`)
 * to `current`: an item is set to its level, level 0 removes it. Unknown keys are refused.
 */
export function applyChanges(
  current: RolePermissions,
  changes: Readonly<Record<string, unknown>>,
): RolePermissions {
  const items: Record<string, Record<string, number>> = {};
  for (const [k, v] of Object.entries(current.items)) items[k] = { ...v };
  const lists: Record<string, number> = { ...current.lists };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === null) continue;
    if (key in ITEM_KEYS) {
      if (!Array.isArray(value)) {
        throw new IsobarError('CB_ERR_IDENTITY_BAD_FIELD', { field: key, detail: 'an array is expected' });
      }
      const target = (items[key] ??= {});
      for (const entry of value as unknown[]) {
        const name = itemName(entry, key);
        const n = level(entry, key);
        if (n === 0) delete target[name];
        else target[name] = n;
      }
      if (Object.keys(target).length === 0) delete items[key];
    } else if (key in LIST_KEYS) {
      const n = level(value, key);
      if (n === 0) delete lists[key];
      else lists[key] = n;
    } else {
      throw new IsobarError('CB_ERR_IDENTITY_BAD_FIELD', { field: key, detail: 'unknown permission' });
    }
  }
  return { items, lists };
}

/** The read shape of `Permissions` (reference §6.2): every key present, `{Level: 0}` when unset. */
export function readPermissions(perms: RolePermissions, systemKey: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [write, read] of Object.entries(ITEM_KEYS)) {
    const entries = Object.entries(perms.items[write] ?? {});
    out[read] = entries.map(([name, n]) => {
      if (write === 'services') return { Name: name, Level: n, SystemKey: systemKey };
      if (write === 'collections') return { ID: name, Name: name, Level: n, Columns: [], Items: [] };
      return { Name: name, Level: n };
    });
  }
  for (const [write, read] of Object.entries(LIST_KEYS)) out[read] = { Level: perms.lists[write] ?? 0 };
  return out;
}

/** Parses a stored permissions column; a damaged one grants nothing rather than failing the system. */
export function parsePermissions(json: string): RolePermissions {
  try {
    const v = JSON.parse(json) as Partial<RolePermissions>;
    return { items: v.items ?? {}, lists: v.lists ?? {} };
  } catch {
    return NO_PERMISSIONS;
  }
}

/** One level of a filter trie: the levels granted by filters ending here, or by `#` below here. */
interface FilterNode {
  readonly next: Map<string, FilterNode>;
  plus: FilterNode | undefined;
  /** Levels of filters that end exactly at this node. */
  end: number;
  /** Levels of filters `…/#` whose `#` sits below this node (it also matches this node itself). */
  hash: number;
}

const newNode = (): FilterNode => ({ next: new Map(), plus: undefined, end: 0, hash: 0 });

function insertFilter(root: FilterNode, filter: string, level: number): void {
  let node = root;
  for (const part of filter.split('/')) {
    if (part === '#') {
      node.hash |= level;
      return;
    }
    if (part === '+') node = node.plus ??= newNode();
    else {
      let child = node.next.get(part);
      if (child === undefined) node.next.set(part, (child = newNode()));
      node = child;
    }
  }
  node.end |= level;
}

/** OR of the levels of every filter matching `levels[i…]`; leading wildcards skip `$` topics [MQTT-4.7.2-1]. */
function matchLevels(node: FilterNode, levels: readonly string[], i: number, dollar: boolean): number {
  const wild = i > 0 || !dollar;
  let bits = wild ? node.hash : 0;
  if (i === levels.length) return bits | node.end;
  const child = node.next.get(levels[i]);
  if (child !== undefined) bits |= matchLevels(child, levels, i + 1, dollar);
  if (wild && node.plus !== undefined) bits |= matchLevels(node.plus, levels, i + 1, dollar);
  return bits;
}

/**
 * The union of a member's roles, computed once per role change and reused on the hot path. Publish
 * checks walk a trie of the role filters (cost grows with topic depth, not with the number of filters).
 */
export interface Effective {
  readonly topics: ReadonlyArray<readonly [filter: string, level: number]>;
  readonly services: ReadonlyMap<string, number>;
  readonly lists: Readonly<Record<string, number>>;
  /** Per-item rights other than topics and services (servicecaches, collections, …): key → item → level. */
  readonly items: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly trie: FilterNode;
}

/** Merges several roles' permissions (levels are OR-ed). */
export function mergePermissions(all: readonly RolePermissions[]): Effective {
  const topics = new Map<string, number>();
  const services = new Map<string, number>();
  const lists: Record<string, number> = {};
  const items = new Map<string, Map<string, number>>();
  for (const p of all) {
    for (const [f, n] of Object.entries(p.items.topics ?? {})) topics.set(f, (topics.get(f) ?? 0) | n);
    for (const [s, n] of Object.entries(p.items.services ?? {})) services.set(s, (services.get(s) ?? 0) | n);
    for (const [k, n] of Object.entries(p.lists)) lists[k] = (lists[k] ?? 0) | n;
    for (const [key, byName] of Object.entries(p.items)) {
      if (key === 'topics' || key === 'services') continue;
      let merged = items.get(key);
      if (merged === undefined) items.set(key, (merged = new Map()));
      for (const [name, n] of Object.entries(byName)) merged.set(name, (merged.get(name) ?? 0) | n);
    }
  }
  const trie = newNode();
  for (const [filter, n] of topics) insertFilter(trie, filter, n);
  return { topics: [...topics], services, lists, items, trie };
}

/** Publish: level bit 2 on a filter matching the topic. Subscribe: bit 1 on a filter covering the request. */
export function topicPermitted(eff: Effective, topicOrFilter: string, action: TopicAction): boolean {
  if (action === 'publish') {
    return (matchLevels(eff.trie, topicOrFilter.split('/'), 0, topicOrFilter.startsWith('$')) & 2) !== 0;
  }
  // SUBSCRIBE is rare next to PUBLISH: a scan with the full coverage rule is fine here.
  const target = parseShared(topicOrFilter)?.filter ?? topicOrFilter;
  for (const [filter, n] of eff.topics) if ((n & 1) !== 0 && filterCovers(filter, target)) return true;
  return false;
}

/** Execute right on one service: level 1 on it, or `allservices`. */
export function servicePermitted(eff: Effective, serviceName: string): boolean {
  return ((eff.lists.allservices ?? 0) & 1) !== 0 || ((eff.services.get(serviceName) ?? 0) & 1) !== 0;
}
