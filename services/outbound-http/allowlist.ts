// Each system's outbound-HTTP allow-list, set by its developers and stored in `http_allowlist` (migration
// 011): host names (`api.example.com`, or `*.example.com` for its subdomains) and IP addresses or CIDR
// ranges (`10.1.2.0/24`, `fd00::/8`). It only ever widens what a service may reach: an internal address
// (addresses.ts) is reached only when the request's host name or the address itself is listed.
import { BlockList, isIP } from 'node:net';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Store } from '../store/index.js';
import { canonical } from './addresses.js';

export const MAX_ALLOWLIST_ENTRIES = 256;

const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

interface Compiled {
  readonly entries: readonly string[];
  readonly hosts: ReadonlySet<string>;
  /** `example.com` for an entry `*.example.com`. */
  readonly suffixes: readonly string[];
  readonly nets: BlockList;
}

/** The allow-lists of every system, answered from memory. */
export interface Allowlists {
  load(): Promise<void>;
  entries(systemKey: string): readonly string[];
  /** Replaces a system's list (validated whole: a bad entry changes nothing). */
  set(systemKey: string, entries: unknown): Promise<readonly string[]>;
  dropSystem(systemKey: string): Promise<void>;
  /** Whether the list admits this host name or this resolved address. */
  admits(systemKey: string, host: string, address: string): boolean;
  /** Cluster change feed: re-reads one system's list after another node changed it (swapped in whole). */
  reload(systemKey: string): Promise<void>;
  /** Told the system after its list changed here and was committed (the change feed announces it). */
  onChanged(listener: (systemKey: string) => void): () => void;
}

function bad(detail: string): IsobarError {
  return new IsobarError('CB_ERR_OUTBOUND_BAD_ALLOWLIST', { detail });
}

/** Normalises one entry (lower case, no trailing dot) or throws CB_ERR_OUTBOUND_BAD_ALLOWLIST. */
function normalizeEntry(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw bad('every entry must be a non-empty string');
  const text = raw.trim().toLowerCase().replace(/\.$/, '');
  const slash = text.indexOf('/');
  const ip = slash >= 0 ? text.slice(0, slash) : text;
  if (isIP(ip) !== 0) {
    if (slash < 0) return ip;
    const prefix = Number(text.slice(slash + 1));
    const max = isIP(ip) === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(text.slice(slash + 1)) || prefix > max) {
      throw bad(`${raw}: the prefix length must be 0..${max}`);
    }
    return `${ip}/${prefix}`;
  }
  if (text.length > 253 || !HOST.test(text))
    throw bad(`${raw} is neither a host name nor an IP address/CIDR`);
  return text;
}

function compile(entries: readonly string[]): Compiled {
  const hosts = new Set<string>();
  const suffixes: string[] = [];
  const nets = new BlockList();
  for (const e of entries) {
    const slash = e.indexOf('/');
    const ip = slash >= 0 ? e.slice(0, slash) : e;
    const kind = isIP(ip);
    if (kind !== 0) {
      const family = kind === 4 ? 'ipv4' : 'ipv6';
      if (slash >= 0) nets.addSubnet(ip, Number(e.slice(slash + 1)), family);
      else nets.addAddress(ip, family);
    } else if (e.startsWith('*.')) suffixes.push(e.slice(2));
    else hosts.add(e);
  }
  return { entries, hosts, suffixes, nets };
}

const EMPTY = compile([]);

/** Builds the allow-lists over the store's table. */
export function createAllowlists(deps: { store: Store }): Allowlists {
  const lists = new Map<string, Compiled>();
  const listeners = new Set<(systemKey: string) => void>();
  const changed = (systemKey: string) => {
    for (const fn of listeners) fn(systemKey);
  };
  const { db } = deps.store;
  return {
    async load() {
      const rows = await db.selectFrom('http_allowlist').selectAll().execute();
      const by = new Map<string, string[]>();
      for (const r of rows) {
        let list = by.get(r.system_key);
        if (list === undefined) by.set(r.system_key, (list = []));
        list.push(r.entry);
      }
      for (const [systemKey, entries] of by) lists.set(systemKey, compile(entries.sort()));
    },
    entries: (systemKey) => (lists.get(systemKey) ?? EMPTY).entries,
    async set(systemKey, raw) {
      if (!Array.isArray(raw)) throw bad('entries must be an array');
      if (raw.length > MAX_ALLOWLIST_ENTRIES) throw bad(`at most ${MAX_ALLOWLIST_ENTRIES} entries`);
      const entries = [...new Set(raw.map(normalizeEntry))].sort();
      await deps.store.transaction(async (tx) => {
        await tx.deleteFrom('http_allowlist').where('system_key', '=', systemKey).execute();
        if (entries.length > 0) {
          await tx
            .insertInto('http_allowlist')
            .values(entries.map((entry) => ({ system_key: systemKey, entry })))
            .execute();
        }
      });
      lists.set(systemKey, compile(entries));
      changed(systemKey);
      return entries;
    },
    async dropSystem(systemKey) {
      lists.delete(systemKey);
      await db.deleteFrom('http_allowlist').where('system_key', '=', systemKey).execute();
      changed(systemKey);
    },
    async reload(systemKey) {
      const rows = await db
        .selectFrom('http_allowlist')
        .select('entry')
        .where('system_key', '=', systemKey)
        .execute();
      if (rows.length === 0) lists.delete(systemKey);
      else lists.set(systemKey, compile(rows.map((r) => r.entry).sort()));
    },
    onChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    admits(systemKey, host, address) {
      const list = lists.get(systemKey);
      if (list === undefined) return false;
      const name = host.toLowerCase().replace(/\.$/, '');
      if (list.hosts.has(name)) return true;
      if (list.suffixes.some((s) => name.endsWith(`.${s}`))) return true;
      const c = canonical(address);
      if (c === undefined) return false;
      return (
        list.nets.check(c.address, c.family) || (c.address !== address && list.nets.check(address, 'ipv6'))
      );
    },
  };
}
