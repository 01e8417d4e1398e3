// Who may manage triggers and timers: developers of the system always; users and devices by the list
// permissions `triggers` / `timers` of their roles (reference §6.1: READ 1, CREATE 2, UPDATE 4, DELETE 8).

import { PERM } from '../../runtime-api/constants.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Actor } from '../identity/types.js';
import type { Creator } from './triggers/registry.js';

export type ListResource = 'triggers' | 'timers';
export type ListAction = keyof typeof PERM;

/** The slice of identity permission checks need. */
export interface PermissionIdentity {
  listLevel(principal: Actor, systemKey: string, key: string): number;
  serviceAllowed(principal: Actor, systemKey: string, serviceName: string): boolean;
}

/** Throws CB_ERR_AUTH_FORBIDDEN unless the principal holds `action` on `resource` in the system. */
export function requireList(
  identity: PermissionIdentity,
  principal: Actor,
  systemKey: string,
  resource: ListResource,
  action: ListAction,
): void {
  if (principal.kind === 'developer') return;
  if ((identity.listLevel(principal, systemKey, resource) & PERM[action]) === 0) {
    throw new IsobarError('CB_ERR_AUTH_FORBIDDEN', {
      detail: `${action.toLowerCase()} permission on ${resource} is required`,
    });
  }
}

/**
 * Trigger and timer runs skip the execute check (they run as their creator), so a user or device may only
 * point one at a service it could execute itself.
 */
export function requireService(
  identity: PermissionIdentity,
  principal: Actor,
  systemKey: string,
  input: unknown,
): void {
  const service =
    typeof input === 'object' && input !== null
      ? (input as { service_name?: unknown }).service_name
      : undefined;
  if (principal.kind === 'developer' || typeof service !== 'string' || service === '') return;
  if (!identity.serviceAllowed(principal, systemKey, service)) {
    throw new IsobarError('CB_ERR_AUTH_FORBIDDEN', {
      detail: `execute permission on service ${service} is required`,
    });
  }
}

/** The creator recorded for a new trigger or timer; anonymous callers cannot create. */
export function creatorOf(principal: Pick<Actor, 'kind' | 'id'>): Creator {
  if (principal.kind === 'anon') {
    throw new IsobarError('CB_ERR_AUTH_FORBIDDEN', {
      detail: 'anonymous callers cannot create triggers or timers',
    });
  }
  return { kind: principal.kind, id: principal.id };
}
