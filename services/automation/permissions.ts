// Who may manage triggers and timers: developers of the system always; users and devices by the list
// permissions `triggers` / `timers` of their roles (reference §6.1: READ 1, CREATE 2, UPDATE 4, DELETE 8).
// The REST routes and the in-service bridge ops (`guarded`) apply the same rule.

import type { HostContext } from '../../engine/types.js';
import { PERM } from '../../runtime-api/constants.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Actor } from '../identity/types.js';
import type { Creator } from './record.js';

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

/** A bridge op handler as the host calls it: JSON arguments in, JSON value out. */
export type OpHandler = (ctx: HostContext, args: readonly unknown[]) => Promise<unknown>;

/** Checks the permission, then runs `fn` with the system key and the acting principal. */
export function guarded<T>(
  identity: PermissionIdentity,
  resource: ListResource,
  action: ListAction,
  fn: (systemKey: string, principal: Actor) => Promise<T> | T,
  input?: unknown,
): (ctx: HostContext) => Promise<T> {
  return async (ctx) => {
    const principal = ctx.runAs;
    requireList(identity, principal, ctx.runAs.systemKey, resource, action);
    requireService(identity, principal, ctx.runAs.systemKey, input);
    return fn(ctx.runAs.systemKey, principal);
  };
}

const text = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));
const object = <T>(v: unknown): T => (typeof v === 'object' && v !== null ? (v as T) : ({} as T));

/** What the bridge ops of one kind of record call: the wire-form operations of the AutomationApi. */
export interface RecordOps<Input> {
  get(systemKey: string, name: string): unknown;
  create(systemKey: string, name: string, input: Input, creator: Creator): Promise<unknown>;
  update(systemKey: string, name: string, input: Input): Promise<unknown>;
  remove(systemKey: string, name: string): Promise<unknown>;
}

/**
 * The `<kind>.create|fetch|update|delete` bridge ops of triggers or timers: both kinds take the same
 * arguments (a name, then options or changes) under the same permission rule on their list resource.
 */
export function recordOps<Input>(
  identity: PermissionIdentity,
  resource: ListResource,
  kind: 'trigger' | 'timer',
  ops: RecordOps<Input>,
): Record<string, OpHandler> {
  return {
    [`${kind}.create`]: (ctx, [name, opts]) =>
      guarded(
        identity,
        resource,
        'CREATE',
        (sk, p) => ops.create(sk, text(name), object(opts), creatorOf(p)),
        opts,
      )(ctx),
    [`${kind}.fetch`]: (ctx, [name]) =>
      guarded(identity, resource, 'READ', (sk) => ops.get(sk, text(name)))(ctx),
    [`${kind}.update`]: (ctx, [name, changes]) =>
      guarded(
        identity,
        resource,
        'UPDATE',
        (sk) => ops.update(sk, text(name), object(changes)),
        changes,
      )(ctx),
    [`${kind}.delete`]: (ctx, [name]) =>
      guarded(identity, resource, 'DELETE', (sk) => ops.remove(sk, text(name)))(ctx),
  };
}
