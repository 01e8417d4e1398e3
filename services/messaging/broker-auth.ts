// BrokerAuth over the identity service: the broker's only window on users, devices, tokens and roles.
// Every method but `login` answers from identity's memory, so it can run on each CONNECT, PUBLISH and
// SUBSCRIBE.
import type { BrokerAuth, ClientIdentity } from '../../broker/types.js';
import { IsobarError, isIsobarError } from '../../runtime-api/errors/index.js';
import type { IdentityService, Principal } from '../identity/types.js';

/** The identity-side principal of a broker identity (built once per identity object). */
export function principalOf(identity: ClientIdentity): Principal {
  return {
    kind: identity.kind === 'service' ? 'developer' : identity.kind,
    id: identity.id,
    name: identity.name,
    systemKey: identity.kind === 'developer' ? null : identity.systemKey,
    token: identity.token ?? '',
    expiresAt: identity.expiresAt ?? Number.MAX_SAFE_INTEGER,
  };
}

/** The broker-side identity of a verified principal acting in `systemKey` (its expiry closes its connection). */
export function clientIdentityOf(principal: Principal, systemKey: string): ClientIdentity {
  return {
    kind: principal.kind,
    id: principal.id,
    name: principal.name,
    systemKey,
    token: principal.token,
    expiresAt: principal.expiresAt,
  };
}

/** Builds the adapter. Identities of kind `service` (platform code with no caller) may use every topic. */
export function createBrokerAuth(identity: IdentityService): BrokerAuth {
  const principals = new WeakMap<ClientIdentity, Principal>();
  const principal = (who: ClientIdentity): Principal => {
    let p = principals.get(who);
    if (p === undefined) principals.set(who, (p = principalOf(who)));
    return p;
  };
  const allowed = (who: ClientIdentity, topic: string, action: 'publish' | 'subscribe') =>
    who.kind === 'service' || identity.topicAllowed(principal(who), who.systemKey, topic, action);
  return {
    authenticate(token, systemKey) {
      if (identity.system(systemKey) === undefined)
        throw new IsobarError('CB_ERR_SYSTEM_UNKNOWN', { systemKey });
      const p = identity.verifyToken(token);
      if (!identity.canUseSystem(p, systemKey)) throw new IsobarError('CB_ERR_AUTH_INVALID_TOKEN');
      return clientIdentityOf(p, systemKey);
    },
    duplicateClientId: (who) => identity.system(who.systemKey)?.duplicateClientId ?? 'reject',
    canPublish: (who, topic) => allowed(who, topic, 'publish'),
    canSubscribe: (who, filter) => allowed(who, filter, 'subscribe'),
    async login(systemKey, systemSecret, clientId, address) {
      const system = identity.system(systemKey);
      if (system === undefined) throw new IsobarError('CB_ERR_SYSTEM_UNKNOWN', { systemKey });
      if (systemSecret !== undefined && systemSecret.toUpperCase() !== system.systemSecret) {
        throw new IsobarError('CB_ERR_SYSTEM_BAD_SECRET', { systemKey });
      }
      const colon = clientId.indexOf(':');
      const name = clientId.slice(0, colon);
      const secret = clientId.slice(colon + 1);
      try {
        const result = name.includes('@')
          ? await identity.loginUser(systemKey, name, secret, address)
          : await identity.loginDevice(systemKey, name, secret, address);
        return { token: result.token, id: result.id };
      } catch (err) {
        // unknown user or device, wrong password or key: all "not authorized" (CONNACK 5)
        if (isIsobarError(err) && err.spec.connack !== undefined) throw err;
        throw new IsobarError('CB_ERR_AUTH_BAD_CREDENTIALS', {}, { cause: err });
      }
    },
  };
}
