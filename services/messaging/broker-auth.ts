// BrokerAuth over the identity service: the broker's only window on users, devices, tokens and roles.
// Every method but `login` answers from identity's memory, so it can run on each CONNECT, PUBLISH and
// SUBSCRIBE.
import type { BrokerAuth, ClientIdentity } from '../../broker/types.js';
import { IsobarError, isIsobarError } from '../../runtime-api/errors/index.js';
import { actingIn } from '../identity/acting.js';
import type { IdentityService } from '../identity/types.js';

/** Builds the adapter. Identities of kind `service` (platform code with no caller) may use every topic. */
export function createBrokerAuth(identity: IdentityService): BrokerAuth {
  // The identity is asked as it is — a connection's, or a service's run-as identity — with no conversion.
  const allowed = (who: ClientIdentity, topic: string, action: 'publish' | 'subscribe') =>
    who.kind === 'service' || identity.topicAllowed(who, who.systemKey, topic, action);
  const lookupToken = identity.lookupToken?.bind(identity);
  return {
    lookup:
      lookupToken === undefined
        ? undefined
        : (token, systemKey) =>
            lookupToken(token, systemKey).catch(() => {
              // The store is unreachable: `authenticate` refuses the unknown token as it would anyway.
            }),
    authenticate(token, systemKey) {
      if (identity.system(systemKey) === undefined)
        throw new IsobarError('CB_ERR_SYSTEM_UNKNOWN', { systemKey });
      const p = identity.verifyToken(token);
      if (!identity.canUseSystem(p, systemKey)) throw new IsobarError('CB_ERR_AUTH_INVALID_TOKEN');
      return actingIn(p, systemKey);
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
