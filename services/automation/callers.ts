// Whom a trigger or timer service runs as: the developer (or user) who created the trigger or timer
// (reference §5: "runs as the developer who created it unless the service has a run_user"; the engine
// applies run_user). Users get a fresh token, cached until shortly before it expires; developers run
// without a token (in-service calls go through the bridge, not REST).

import type { Caller } from '../../engine/types.js';
import type { Clock } from '../kernel/clock.js';
import type { LoginResult } from '../identity/types.js';
import type { Creator } from './record.js';

/** The slice of identity callers need. */
export interface CallerIdentity {
  developer(id: string): Promise<{ readonly email: string } | undefined>;
  userById(systemKey: string, userId: string): { readonly id: string; readonly email: string } | undefined;
  issueUserToken(systemKey: string, userId: string): Promise<LoginResult>;
}

export interface Callers {
  resolve(systemKey: string, creator: Creator): Promise<Caller>;
}

/** A token is replaced this long before it expires. */
const TOKEN_MARGIN_MS = 60_000;

/** Creates the resolver with its small caches (developer emails, user tokens). */
export function createCallers(deps: { readonly identity: CallerIdentity; readonly clock: Clock }): Callers {
  const { identity, clock } = deps;
  const developerEmails = new Map<string, string>();
  const userTokens = new Map<string, Promise<LoginResult>>();

  const userToken = async (systemKey: string, userId: string): Promise<string> => {
    const key = `${systemKey}\u0000${userId}`;
    let pending = userTokens.get(key);
    if (pending !== undefined) {
      const login = await pending;
      if (login.expiresAt - TOKEN_MARGIN_MS > clock.now()) return login.token;
    }
    pending = identity.issueUserToken(systemKey, userId);
    userTokens.set(key, pending);
    pending.catch(() => userTokens.delete(key));
    return (await pending).token;
  };

  return {
    async resolve(systemKey, creator) {
      switch (creator.kind) {
        case 'developer': {
          let email = developerEmails.get(creator.id);
          if (email === undefined) {
            email = (await identity.developer(creator.id))?.email ?? '';
            developerEmails.set(creator.id, email);
          }
          return { kind: 'developer', id: creator.id, name: email, token: '', systemKey };
        }
        case 'user': {
          const user = identity.userById(systemKey, creator.id);
          const token = user === undefined ? '' : await userToken(systemKey, creator.id);
          return { kind: 'user', id: creator.id, name: user?.email ?? '', token, systemKey };
        }
        case 'device':
          return { kind: 'device', id: creator.id, name: creator.id, token: '', systemKey };
      }
    },
  };
}
