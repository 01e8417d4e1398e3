// The checks behind route auth (route-auth.ts runs them; handlers never do): one place for the ClearBlade
// header rules (reference §1.1) — which header carries which token, that a device token also works in
// ClearBlade-UserToken, that the system may come from the path.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { IdentityService, Principal, SystemInfo } from '../identity/types.js';

export const DEV_TOKEN_HEADER = 'clearblade-devtoken';
export const USER_TOKEN_HEADER = 'clearblade-usertoken';
export const DEVICE_TOKEN_HEADER = 'clearblade-devicetoken';
export const SYSTEM_KEY_HEADER = 'clearblade-systemkey';
export const SYSTEM_SECRET_HEADER = 'clearblade-systemsecret';

/** The checks a route runs first; each returns what it proved or throws an IsobarError. */
export interface RestAuth {
  /** A valid developer token in ClearBlade-DevToken. */
  developer(req: FastifyRequest): Principal;
  /** A developer who owns `systemKey` (unknown system: CB_ERR_SYSTEM_UNKNOWN; not the owner: CB_ERR_AUTH_FORBIDDEN). */
  developerForSystem(req: FastifyRequest, systemKey: string): Principal;
  /** Any developer, user, anon or device token allowed in `systemKey`. */
  caller(req: FastifyRequest, systemKey: string): Principal;
  /**
   * The system named by the path, or by ClearBlade-SystemKey (+ ClearBlade-SystemSecret) headers.
   * A system named by headers needs its secret; one named by the path may omit it (PY device auth),
   * but a secret that is sent must be right.
   */
  system(req: FastifyRequest, systemKeyFromPath?: string): SystemInfo;
  /** The principal of whichever token header is present (required), in no particular system yet. */
  verified(req: FastifyRequest): Principal;
  /**
   * A caller in the system its token belongs to, else the one ClearBlade-SystemKey names (a developer
   * token has no system of its own): the user calls of reference §1.3 name no system in the path.
   */
  callerOfToken(req: FastifyRequest): { readonly principal: Principal; readonly systemKey: string };
  /** A user token (not device, anon or developer), allowed in its own system. */
  user(req: FastifyRequest): Principal & { readonly systemKey: string };
  /**
   * Cluster mode: loads the request's token from the store when this node has not seen it (issued on
   * another node), so the sync checks above know it. Undefined on one node.
   */
  readonly lookup?: (req: FastifyRequest) => Promise<void>;
}

/** Reads one header as a single trimmed string. */
export function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  const trimmed = first?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** The token in whichever ClearBlade header carries one (developer, user, device), or undefined. */
export function tokenOf(req: FastifyRequest): string | undefined {
  return header(req, DEV_TOKEN_HEADER) ?? header(req, USER_TOKEN_HEADER) ?? header(req, DEVICE_TOKEN_HEADER);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given.toUpperCase());
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Builds the REST auth checks over the identity service (all synchronous, memory only). */
export function createRestAuth(identity: IdentityService): RestAuth {
  const knownSystem = (systemKey: string): SystemInfo => {
    const system = identity.system(systemKey);
    if (system === undefined) throw new IsobarError('CB_ERR_SYSTEM_UNKNOWN', { systemKey });
    return system;
  };
  const anyToken = tokenOf;
  const principalIn = (principal: Principal, systemKey: string): Principal => {
    if (!identity.canUseSystem(principal, systemKey)) {
      throw new IsobarError('CB_ERR_AUTH_FORBIDDEN', { detail: 'User does not have access to system' });
    }
    return principal;
  };
  const developer = (req: FastifyRequest): Principal => {
    const token = header(req, DEV_TOKEN_HEADER);
    if (token === undefined)
      throw new IsobarError('CB_ERR_AUTH_MISSING_TOKEN', { header: 'ClearBlade-DevToken' });
    const principal = identity.verifyToken(token);
    if (principal.kind !== 'developer') {
      throw new IsobarError('CB_ERR_AUTH_FORBIDDEN', { detail: 'a developer token is required' });
    }
    return principal;
  };
  const verified = (req: FastifyRequest): Principal => {
    const token = anyToken(req);
    if (token === undefined)
      throw new IsobarError('CB_ERR_AUTH_MISSING_TOKEN', { header: 'ClearBlade-UserToken' });
    return identity.verifyToken(token);
  };
  const caller = (req: FastifyRequest, systemKey: string): Principal => {
    const token = anyToken(req);
    if (token === undefined) {
      throw new IsobarError('CB_ERR_AUTH_MISSING_TOKEN', { header: 'ClearBlade-UserToken' });
    }
    const principal = identity.verifyToken(token);
    knownSystem(systemKey);
    return principalIn(principal, systemKey);
  };
  const lookupToken = identity.lookupToken?.bind(identity);
  return {
    lookup:
      lookupToken === undefined
        ? undefined
        : async (req) => {
            const token = anyToken(req);
            const params = req.params as Record<string, string | undefined> | undefined;
            if (token !== undefined)
              await lookupToken(token, params?.systemKey ?? header(req, SYSTEM_KEY_HEADER));
          },
    developer,
    developerForSystem(req, systemKey) {
      const principal = developer(req);
      knownSystem(systemKey);
      return principalIn(principal, systemKey);
    },
    caller,
    system(req, systemKeyFromPath) {
      const systemKey = systemKeyFromPath ?? header(req, SYSTEM_KEY_HEADER);
      if (systemKey === undefined) throw new IsobarError('CB_ERR_SYSTEM_MISSING');
      const system = knownSystem(systemKey);
      const secret = header(req, SYSTEM_SECRET_HEADER);
      if (secret === undefined && systemKeyFromPath === undefined) {
        throw new IsobarError('CB_ERR_SYSTEM_BAD_SECRET', { systemKey });
      }
      if (secret !== undefined && !sameSecret(secret, system.systemSecret)) {
        throw new IsobarError('CB_ERR_SYSTEM_BAD_SECRET', { systemKey });
      }
      return system;
    },
    verified,
    callerOfToken(req) {
      const p = verified(req);
      const systemKey = p.systemKey ?? header(req, SYSTEM_KEY_HEADER);
      if (systemKey === undefined) throw new IsobarError('CB_ERR_SYSTEM_MISSING');
      return { principal: caller(req, systemKey), systemKey };
    },
    user(req) {
      const p = verified(req);
      if (p.kind !== 'user' || p.systemKey === null) {
        throw new IsobarError('CB_ERR_AUTH_FORBIDDEN', { detail: 'a user token is required' });
      }
      const systemKey = p.systemKey;
      caller(req, systemKey);
      return { ...p, systemKey };
    },
  };
}
