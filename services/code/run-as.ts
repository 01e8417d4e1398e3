// Whom a run acts as (DESIGN.md "Code services", Identity): its run_user (only a developer may set
// one), else the identity that called it (micro) or saved it (stream), and never with more rights than
// the identity that saved the code. The rules, for the current version of a service:
//   run_user set                    → the run_user (the developer lent that identity to this code)
//   saved by a developer            → micro: the caller; stream: that developer (today's behaviour)
//   saved by a user or device (A)   → stream: A; micro called by a developer: A (A ⊆ developer);
//                                     micro called by A: A; micro called by anyone else (B): B, bounded
//                                     by A — B's topic and execute rights count only where A has them too.
// A bound is kept on the run-as Caller object itself (a WeakMap: the engine hands that object back
// unchanged in every HostContext), so Code().execute chains carry it: a chain never escalates.
import type { Caller } from '../../engine/types.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Clock } from '../kernel/clock.js';
import type { IdentityService } from '../identity/types.js';
import type { CurrentService } from './registry.js';
import type { ServiceAuthor } from './types.js';

/** The slice of identity the resolver needs. */
export type RunAsIdentity = Pick<IdentityService, 'system' | 'userById' | 'issueUserToken'> & {
  /** Resolves when the device exists; rejects (CB_ERR_DEVICE_UNKNOWN) when it does not. */
  device(systemKey: string, name: string): Promise<unknown>;
};

export interface RunAs {
  /** The identity a micro run of `current` by `caller` acts as; throws RUN_USER_UNKNOWN / AUTHOR_UNKNOWN. */
  micro(current: CurrentService, caller: Caller): Promise<Caller>;
  /** The identity a stream service runs as (also its instances' caller). */
  stream(current: CurrentService): Promise<Caller>;
  /** Identities whose rights also bound a run acting as `runAs` (empty for nearly every run). */
  boundsOf(runAs: Caller): readonly Caller[];
  /** Forgets cached tokens and device answers of an identity that was deleted. */
  forget(systemKey: string, kind: 'user' | 'device', id: string): void;
}

/** User tokens are reused until this close to expiry. */
const TOKEN_MARGIN_MS = 60_000;

const NO_BOUNDS: readonly Caller[] = Object.freeze([]);

/** True when two identities are the same principal. */
function same(a: Pick<Caller, 'kind' | 'id'>, b: Pick<Caller, 'kind' | 'id'>): boolean {
  return a.kind === b.kind && a.id === b.id;
}

/** Builds the resolver with its caches (user tokens, devices known to exist). */
export function createRunAs(deps: { readonly identity: RunAsIdentity; readonly clock: Clock }): RunAs {
  const { identity, clock } = deps;
  const tokens = new Map<string, { token: string; expiresAt: number }>();
  const devices = new Set<string>();
  const bounds = new WeakMap<Caller, readonly Caller[]>();
  const k = (systemKey: string, id: string) => `${systemKey}\u0000${id}`;

  /** A user of the system as a Caller with a token of its own, or undefined when there is no such user. */
  const user = async (systemKey: string, userId: string): Promise<Caller | undefined> => {
    const found = identity.userById(systemKey, userId);
    if (found === undefined) return undefined;
    let issued = tokens.get(k(systemKey, userId));
    if (issued === undefined || issued.expiresAt - TOKEN_MARGIN_MS <= clock.now()) {
      const login = await identity.issueUserToken(systemKey, userId);
      issued = { token: login.token, expiresAt: login.expiresAt };
      tokens.set(k(systemKey, userId), issued);
    }
    return { kind: 'user', id: found.id, name: found.email, token: issued.token, systemKey };
  };

  /** The identity that saved the current version; CB_ERR_CODE_AUTHOR_UNKNOWN when it is gone. */
  const author = async (current: CurrentService): Promise<Caller> => {
    const { system_key: systemKey, name } = current.record;
    const by: ServiceAuthor = current.record.created_by;
    const gone = () => new IsobarError('CB_ERR_CODE_AUTHOR_UNKNOWN', { name, kind: by.kind, id: by.id });
    switch (by.kind) {
      case 'developer': {
        const id = by.id === '' ? (identity.system(systemKey)?.ownerId ?? '') : by.id;
        return { kind: 'developer', id, name: '', token: '', systemKey };
      }
      case 'user': {
        const found = await user(systemKey, by.id);
        if (found === undefined) throw gone();
        return found;
      }
      case 'device': {
        if (!devices.has(k(systemKey, by.id))) {
          await identity.device(systemKey, by.id).catch(() => {
            throw gone();
          });
          devices.add(k(systemKey, by.id));
        }
        return { kind: 'device', id: by.id, name: by.id, token: '', systemKey };
      }
    }
  };

  const runUser = async (current: CurrentService): Promise<Caller> => {
    const { system_key: systemKey, run_user: userId } = current.record;
    const found = await user(systemKey, userId);
    if (found === undefined) throw new IsobarError('CB_ERR_CODE_RUN_USER_UNKNOWN', { userId, systemKey });
    return found;
  };

  /** `base` acting within the rights of `extra` as well as of every bound it already carries. */
  const bounded = (base: Caller, carried: readonly Caller[], extra: Caller | undefined): Caller => {
    const all = extra === undefined || carried.some((b) => same(b, extra)) ? carried : [...carried, extra];
    if (all.length === 0) return base;
    const runAs: Caller = { ...base };
    bounds.set(runAs, Object.freeze(all));
    return runAs;
  };

  const boundsOf = (runAs: Caller): readonly Caller[] => bounds.get(runAs) ?? NO_BOUNDS;

  return {
    async micro(current, caller) {
      if (current.record.run_user !== '') return runUser(current);
      if (current.record.created_by.kind === 'developer') return caller;
      const saver = await author(current);
      const carried = boundsOf(caller);
      // A developer may do everything in the system, so its rights ∩ the author's are the author's.
      if (caller.kind === 'developer') return bounded(saver, carried, undefined);
      if (same(caller, saver)) return caller;
      return bounded(caller, carried, saver);
    },
    stream(current) {
      return current.record.run_user !== '' ? runUser(current) : author(current);
    },
    boundsOf,
    forget(systemKey, kind, id) {
      if (kind === 'user') tokens.delete(k(systemKey, id));
      else devices.delete(k(systemKey, id));
    },
  };
}
