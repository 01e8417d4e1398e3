// Identity's in-memory view: live tokens, systems, roles, memberships and user emails. The broker asks
// it on every CONNECT, PUBLISH and SUBSCRIBE, so reads never touch the store; every write updates it
// right after its transaction commits.
import type { PrincipalKind, SystemInfo } from './types.js';
import { mergePermissions, type Effective, type RolePermissions } from './permissions.js';

export interface TokenEntry {
  readonly hash: string;
  readonly kind: PrincipalKind;
  readonly subjectId: string;
  readonly name: string;
  readonly systemKey: string | null;
  readonly expiresAt: number;
  /** The token itself, known once issued or verified in this process; only kept to announce revocations. */
  raw: string | undefined;
}

export interface RoleEntry {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly permissions: RolePermissions;
}

export type MemberKind = 'user' | 'device';

/** Roles and members of one system. */
export class SystemState {
  readonly roles = new Map<string, RoleEntry>();
  /** `user:<id>` / `device:<name>` → role ids. */
  readonly members = new Map<string, Set<string>>();
  /** user_id → email. */
  readonly users = new Map<string, string>();
  readonly #effective = new Map<string, Effective>();

  /** A member's merged permissions; anon principals use `Anonymous`. */
  effective(memberKey: string): Effective {
    let eff = this.#effective.get(memberKey);
    if (eff === undefined) {
      const ids =
        memberKey === 'anon' ? new Set(['Anonymous']) : (this.members.get(memberKey) ?? new Set<string>());
      const perms: RolePermissions[] = [];
      for (const id of ids) {
        const role = this.roles.get(id);
        if (role !== undefined) perms.push(role.permissions);
      }
      eff = mergePermissions(perms);
      this.#effective.set(memberKey, eff);
    }
    return eff;
  }

  /** Forgets merged permissions after any role or membership change. */
  invalidate(): void {
    this.#effective.clear();
  }

  /** Finds a role by id, or by name (PY sends names as ids). */
  role(idOrName: string): RoleEntry | undefined {
    const byId = this.roles.get(idOrName);
    if (byId !== undefined) return byId;
    for (const r of this.roles.values()) if (r.name === idOrName) return r;
    return undefined;
  }
}

/** The key of a member in `SystemState.members`. */
export function memberKey(kind: MemberKind, id: string): string {
  return `${kind}:${id}`;
}

function subjectKey(kind: PrincipalKind, systemKey: string | null, subjectId: string): string {
  return `${kind}\u0000${systemKey ?? ''}\u0000${subjectId}`;
}

/** Every cached identity fact, by the lookups the hot path needs. */
export class IdentityCache {
  readonly systems = new Map<string, SystemInfo>();
  readonly #tokens = new Map<string, TokenEntry>();
  readonly #bySubject = new Map<string, Set<string>>();
  readonly #states = new Map<string, SystemState>();
  #issuedSinceSweep = 0;

  token(hash: string): TokenEntry | undefined {
    return this.#tokens.get(hash);
  }

  addToken(entry: TokenEntry): void {
    this.#tokens.set(entry.hash, entry);
    const key = subjectKey(entry.kind, entry.systemKey, entry.subjectId);
    let set = this.#bySubject.get(key);
    if (set === undefined) this.#bySubject.set(key, (set = new Set()));
    set.add(entry.hash);
  }

  /** Hashes of the live tokens of one subject. */
  tokensOf(kind: PrincipalKind, systemKey: string | null, subjectId: string): string[] {
    return [...(this.#bySubject.get(subjectKey(kind, systemKey, subjectId)) ?? [])];
  }

  /** Hashes of every live token of a system (null: tokens of no system, i.e. developers'). */
  tokensOfSystem(systemKey: string | null): string[] {
    const out: string[] = [];
    for (const e of this.#tokens.values()) if (e.systemKey === systemKey) out.push(e.hash);
    return out;
  }

  /** Drops tokens; returns the raw tokens known for them (for `tokens.revoked`). */
  removeTokens(hashes: Iterable<string>): string[] {
    const raw: string[] = [];
    for (const hash of hashes) {
      const e = this.#tokens.get(hash);
      if (e === undefined) continue;
      this.#tokens.delete(hash);
      const key = subjectKey(e.kind, e.systemKey, e.subjectId);
      const set = this.#bySubject.get(key);
      set?.delete(hash);
      if (set?.size === 0) this.#bySubject.delete(key);
      if (e.raw !== undefined) raw.push(e.raw);
    }
    return raw;
  }

  /** True once every 1000 issued tokens: time to drop the expired ones so memory stays bounded. */
  sweepDue(): boolean {
    if (++this.#issuedSinceSweep < 1000) return false;
    this.#issuedSinceSweep = 0;
    return true;
  }

  /** Drops tokens that expired before `now` (they would only answer "expired"). */
  pruneExpired(now: number): void {
    const dead: string[] = [];
    for (const e of this.#tokens.values()) if (e.expiresAt <= now) dead.push(e.hash);
    this.removeTokens(dead);
  }

  get tokenCount(): number {
    return this.#tokens.size;
  }

  state(systemKey: string): SystemState {
    let s = this.#states.get(systemKey);
    if (s === undefined) this.#states.set(systemKey, (s = new SystemState()));
    return s;
  }

  /** Swaps in a system's freshly read view at once (undefined info: the system is gone). */
  putSystem(systemKey: string, info: SystemInfo | undefined, state: SystemState): void {
    if (info === undefined) {
      this.dropSystem(systemKey);
      return;
    }
    this.systems.set(systemKey, info);
    this.#states.set(systemKey, state);
  }

  dropSystem(systemKey: string): void {
    this.systems.delete(systemKey);
    this.#states.delete(systemKey);
  }
}
