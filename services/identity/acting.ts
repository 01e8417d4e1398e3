// Where a request or a connection authenticates, its verified principal becomes the one identity type
// (runtime-api/identity.ts) acting in the system it addressed. This is the only place that shape is made:
// REST routes and the broker's CONNECT call it once, and everything after carries the result unchanged.
import type { Identity } from '../../runtime-api/identity.js';
import type { Principal } from './types.js';

/** The identity a verified principal acts as in `systemKey` (a developer's own principal has no system). */
export function actingIn(principal: Principal, systemKey: string): Identity {
  return {
    kind: principal.kind,
    id: principal.id,
    name: principal.name,
    systemKey,
    token: principal.token,
    expiresAt: principal.expiresAt,
  };
}
