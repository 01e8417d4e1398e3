// A role as the role editor holds it, the changes that turn the stored role into the edited one, and the
// "may this role publish/subscribe X?" check — computed with the broker's own topic rules
// (runtime-api/topics.ts, the same code services/identity/permissions.ts decides with).
import { filterCovers, parseShared, topicMatches } from '../../../runtime-api/topics.js';
import { LIST_KEYS } from '../../../services/identity/permission-keys.js';

/** A role as `GET /admin/user/{sk}/roles` answers it (the read shape). */
export interface RoleJson {
  readonly ID: string;
  readonly Name: string;
  readonly Description?: string;
  readonly Permissions: Readonly<Record<string, unknown>>;
}

/** One per-item grant: a topic filter, service or collection name and its level bits. */
export interface ItemGrant {
  name: string;
  level: number;
}

/** The editable part of a role. */
export interface RoleDraft {
  topics: ItemGrant[];
  services: ItemGrant[];
  collections: ItemGrant[];
  /** List rights by write key (`users`, `devices`, `msgHistory`, …). */
  lists: Record<string, number>;
}

/** Per-item resources the editor shows: write key → read key. */
const ITEMS = { topics: 'Topics', services: 'CodeServices', collections: 'Collections' } as const;

/** The editor's list rights, in the order shown (a subset: the rest stay as the role has them). */
const SHOWN_LISTS = [
  'allservices',
  'allcollections',
  'msgHistory',
  'users',
  'devices',
  'edges',
  'roles',
  'triggers',
  'timers',
  'deployments',
] as const;

/** List rights the editor shows: write key → read key, from the platform's own table. */
export const LISTS: Readonly<Record<string, string>> = Object.fromEntries(
  SHOWN_LISTS.map((k) => [k, LIST_KEYS[k] ?? k]),
);

function grants(value: unknown): ItemGrant[] {
  if (!Array.isArray(value)) return [];
  const out: ItemGrant[] = [];
  for (const v of value as unknown[]) {
    const g = v as { Name?: unknown; Level?: unknown; itemInfo?: { name?: unknown } };
    const name =
      typeof g.Name === 'string' ? g.Name : typeof g.itemInfo?.name === 'string' ? g.itemInfo.name : '';
    if (name !== '' && typeof g.Level === 'number') out.push({ name, level: g.Level });
  }
  return out;
}

/** The editor's draft of a stored role. */
export function draftOf(role: RoleJson): RoleDraft {
  const p = role.Permissions;
  const lists: Record<string, number> = {};
  for (const [w, r] of Object.entries(LISTS)) {
    const l = (p[r] as { Level?: unknown } | undefined)?.Level;
    lists[w] = typeof l === 'number' ? l : 0;
  }
  return {
    topics: grants(p[ITEMS.topics]),
    services: grants(p[ITEMS.services]),
    collections: grants(p[ITEMS.collections]),
    lists,
  };
}

/** The `changes` of `PUT /admin/user/{sk}/roles` that turn `before` into `after` (a dropped item → level 0). */
export function changesFor(before: RoleDraft, after: RoleDraft): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const key of Object.keys(ITEMS) as (keyof typeof ITEMS)[]) {
    const next = new Map<string, number>();
    for (const g of after[key])
      if (g.name.trim() !== '') next.set(g.name.trim(), (next.get(g.name.trim()) ?? 0) | g.level);
    for (const g of before[key]) if (!next.has(g.name)) next.set(g.name, 0);
    if (next.size > 0)
      changes[key] = [...next].map(([name, permissions]) => ({ itemInfo: { name }, permissions }));
  }
  for (const [key, level] of Object.entries(after.lists)) {
    if (level !== before.lists[key]) changes[key] = { permissions: level };
  }
  return changes;
}

/** The answer of the topic check: allowed or not, and the filter that decided it. */
export interface TopicVerdict {
  readonly allowed: boolean;
  /** The role filter that grants it, when allowed. */
  readonly by?: string;
}

/**
 * May a holder of these topic grants publish to `topic` (bit 2 on a filter matching it) or subscribe to
 * `filter` (bit 1 on a filter covering it; `$share/<group>/` is checked on its inner filter)?
 * Only this role is asked: a user or device holding several roles has the union of them.
 */
export function checkTopic(
  topics: readonly ItemGrant[],
  action: 'publish' | 'subscribe',
  topicOrFilter: string,
): TopicVerdict {
  if (action === 'publish') {
    if (topicOrFilter.includes('+') || topicOrFilter.includes('#')) return { allowed: false };
    const by = topics.find((g) => (g.level & 2) !== 0 && topicMatches(g.name, topicOrFilter));
    return by === undefined ? { allowed: false } : { allowed: true, by: by.name };
  }
  const target = parseShared(topicOrFilter)?.filter ?? topicOrFilter;
  const by = topics.find((g) => (g.level & 1) !== 0 && filterCovers(g.name, target));
  return by === undefined ? { allowed: false } : { allowed: true, by: by.name };
}
