// The identity service: developers, systems, users, devices, roles and tokens behind one object.
// Start-up loads the hot-path view (live tokens, systems, roles, members) into memory; the sync
// methods below read only that.
import type { Clock } from '../kernel/clock.js';
import type { PlatformEvents } from '../kernel/events.js';
import type { Log } from '../kernel/log.js';
import type { Store } from '../store/index.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import { IdentityCache, memberKey } from './cache.js';
import { requireSystem, type IdentityChanges, type IdentityConfig, type IdentityContext } from './context.js';
import { createTokenLookup, reloadFromStore } from './cluster-sync.js';
import * as developers from './developers.js';
import * as devices from './devices.js';
import { servicePermitted, topicPermitted, type Effective } from './permissions.js';
import * as registration from './registration.js';
import * as roles from './roles.js';
import * as systems from './systems.js';
import { createLoginThrottle } from './throttle.js';
import * as tokens from './tokens.js';
import * as users from './users.js';
import type { Actor, Identity } from './types.js';

export type { Identity } from './types.js';

export interface IdentityOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Log;
  readonly events: PlatformEvents;
  readonly config: IdentityConfig;
  /** Cluster mode: told after every commit (services/cluster/feed.ts); a miss in `lookupToken` reads the store. */
  readonly changes?: IdentityChanges;
}

/** Loads identity's memory view from the store and returns the service. */
export async function createIdentity(options: IdentityOptions): Promise<Identity> {
  const { config } = options;
  const throttle = createLoginThrottle(
    {
      accountFailures: config.loginAccountFailures ?? 10,
      addressFailures: config.loginAddressFailures ?? 50,
      windowMs: (config.loginWindow ?? 300) * 1000,
    },
    options.clock,
  );
  const ctx: IdentityContext = { ...options, cache: new IdentityCache(), throttle };
  await systems.loadSystems(ctx);
  await tokens.loadTokens(ctx);
  const { cache } = ctx;

  const canUseSystem = (p: Actor, systemKey: string): boolean => {
    if (p.kind === 'developer') return cache.systems.get(systemKey)?.ownerId === p.id;
    return p.systemKey === systemKey && cache.systems.has(systemKey);
  };
  /** Merged role permissions of a non-developer principal in its own system, or undefined elsewhere. */
  const effective = (p: Actor, systemKey: string): Effective | undefined => {
    if (p.systemKey !== systemKey || !cache.systems.has(systemKey)) return undefined;
    const key = p.kind === 'anon' ? 'anon' : memberKey(p.kind === 'device' ? 'device' : 'user', p.id);
    return cache.state(systemKey).effective(key);
  };
  /** List-level permission bits; developers hold every bit in the systems they own. */
  const listLevel = (p: Actor, systemKey: string, key: string): number => {
    if (p.kind === 'developer') return canUseSystem(p, systemKey) ? 15 : 0;
    return effective(p, systemKey)?.lists[key] ?? 0;
  };
  const requireUser = (systemKey: string, userId: string): void => {
    requireSystem(ctx, systemKey);
    if (!cache.state(systemKey).users.has(userId))
      throw new IsobarError('CB_ERR_USER_UNKNOWN', { user: userId });
  };

  // Cluster mode: every management write tells the other nodes once it has committed (the area's one
  // hook, here rather than in each module); reads and logins tell nothing.
  const changes = options.changes;
  const told = async <T>(systemKeys: readonly string[], write: Promise<T>): Promise<T> => {
    const result = await write;
    for (const k of systemKeys) changes?.changed(k);
    return result;
  };
  const lookup = changes === undefined ? undefined : createTokenLookup(ctx);

  return {
    verifyToken: (token) => tokens.verifyToken(ctx, token),
    system: (systemKey) => cache.systems.get(systemKey),
    canUseSystem,
    topicAllowed(p, systemKey, topic, action) {
      if (p.kind === 'developer') return canUseSystem(p, systemKey);
      const eff = effective(p, systemKey);
      return eff !== undefined && topicPermitted(eff, topic, action);
    },
    serviceAllowed(p, systemKey, serviceName) {
      if (p.kind === 'developer') return canUseSystem(p, systemKey);
      const eff = effective(p, systemKey);
      return eff !== undefined && servicePermitted(eff, serviceName);
    },
    msgHistoryLevel: (p, systemKey) => listLevel(p, systemKey, 'msgHistory'),
    listLevel,
    itemLevel(p, systemKey, key, name) {
      if (p.kind === 'developer') return canUseSystem(p, systemKey) ? 15 : 0;
      return effective(p, systemKey)?.items.get(key)?.get(name) ?? 0;
    },
    userById(systemKey, userId) {
      const email = cache.state(systemKey).users.get(userId);
      return email === undefined ? undefined : { id: userId, email };
    },
    loginUser: (systemKey, email, password, address) =>
      users.loginUser(ctx, systemKey, email, password, address),
    loginDevice: (systemKey, name, key, address) => devices.loginDevice(ctx, systemKey, name, key, address),
    issueUserToken: (systemKey, userId) => users.issueUserToken(ctx, systemKey, userId),
    loginDeveloper: (email, password, address) => developers.loginDeveloper(ctx, email, password, address),
    revokeToken: (token) => tokens.revokeToken(ctx, token),

    registerDeveloper: (input) => developers.registerDeveloper(ctx, input),
    developer: (id) => developers.findDeveloper(ctx, { id }),
    developerByEmail: (email) => developers.findDeveloper(ctx, { email }),
    developerCount: () => developers.developerCount(ctx),
    admitRegistration: (key, address) => registration.admitRegistration(ctx, key, address),
    setRegistrationKey: (developerId, key) => registration.setRegistrationKey(ctx, developerId, key),
    clearRegistrationKey: (developerId) => registration.clearRegistrationKey(ctx, developerId),
    registrationStatus: () => registration.registrationStatus(ctx),

    createSystem: (ownerId, input) => told(['*'], systems.createSystem(ctx, ownerId, input)),
    systemsOf: (ownerId) => systems.systemsOf(ctx, ownerId),
    updateSystem: (systemKey, changes) => told([systemKey], systems.updateSystem(ctx, systemKey, changes)),
    deleteSystem: (systemKey) => told([systemKey, '*'], systems.deleteSystem(ctx, systemKey)),

    registerUser: (systemKey, email, password, custom) =>
      told([systemKey], users.registerUser(ctx, systemKey, email, password, custom)),
    loginAnon: (systemKey) => users.loginAnon(ctx, systemKey),
    user: (systemKey, userId) => users.getUser(ctx, systemKey, userId),
    listUsers: (systemKey, query) => users.listUsers(ctx, systemKey, query),
    updateUser: (systemKey, userId, changes) =>
      told([systemKey], users.updateUser(ctx, systemKey, userId, changes)),
    changePassword: (systemKey, userId, oldPw, newPw, address) =>
      users.changePassword(ctx, systemKey, userId, oldPw, newPw, address),
    deleteUser: (systemKey, userId) => told([systemKey], users.deleteUser(ctx, systemKey, userId)),

    createDevice: (systemKey, name, input) =>
      told([systemKey], devices.createDevice(ctx, systemKey, name, input)),
    device: (systemKey, name) => devices.getDevice(ctx, systemKey, name),
    listDevices: (systemKey, query) => devices.listDevices(ctx, systemKey, query),
    updateDevice: (systemKey, name, changes) =>
      told([systemKey], devices.updateDevice(ctx, systemKey, name, changes)),
    deleteDevice: (systemKey, name) => told([systemKey], devices.deleteDevice(ctx, systemKey, name)),

    roles: (systemKey) => roles.listRoles(ctx, systemKey),
    role: (systemKey, idOrName) => roles.findRole(ctx, systemKey, idOrName),
    createRole: (systemKey, input) => told([systemKey], roles.createRole(ctx, systemKey, input)),
    updateRole: (systemKey, idOrName, input) =>
      told([systemKey], roles.updateRole(ctx, systemKey, idOrName, input)),
    deleteRole: (systemKey, idOrName) => told([systemKey], roles.deleteRole(ctx, systemKey, idOrName)),
    rolesOf: (systemKey, kind, id) => roles.rolesOf(ctx, systemKey, kind, id),
    async changeRoles(systemKey, kind, id, changes) {
      if (kind === 'user') requireUser(systemKey, id);
      else await devices.getDevice(ctx, systemKey, id);
      return told([systemKey], roles.changeRoles(ctx, systemKey, kind, id, changes));
    },
    reloadSystem: (systemKey) => systems.loadSystems(ctx, systemKey),
    reloadFromStore: (systemKey) => reloadFromStore(ctx, systemKey),
    dropTokens: (hashes) => tokens.dropTokens(ctx, hashes),
    lookupToken: lookup,
    systemKeys: () => [...cache.systems.keys()],
    close: () => Promise.resolve(),
  };
}
