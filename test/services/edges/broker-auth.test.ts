import { expect } from 'chai';
import type { BrokerAuth, ClientIdentity } from '../../../broker/types.js';
import { edgeIdentity, withEdgeAuth } from '../../../services/edges/broker-auth.js';

describe('edges broker auth', () => {
  const developer: ClientIdentity = { kind: 'developer', id: 'd1', name: 'dev@x', systemKey: 'sk' };
  const allowAll: BrokerAuth = {
    authenticate: () => developer,
    duplicateClientId: () => 'reject',
    canPublish: () => true,
    canSubscribe: () => true,
    login: () => Promise.resolve({ token: 't', id: 'i' }),
  };
  const auth = withEdgeAuth(allowAll, { byToken: () => undefined });

  it('keeps non-edge clients, developers included, off the $edge/ channels', () => {
    expect(auth.canSubscribe(developer, '$edge/#')).to.equal(false);
    expect(auth.canSubscribe(developer, '$edge/e1/ctl/#')).to.equal(false);
    expect(auth.canPublish(developer, '$edge/e1/down/x')).to.equal(false);
    expect(auth.canPublish(developer, 'sensors/1')).to.equal(true);
  });

  it('lets a reconnecting edge take over its stale connection; others keep the system policy', () => {
    expect(auth.duplicateClientId(edgeIdentity('sk', 'e1'))).to.equal('takeover');
    expect(auth.duplicateClientId(developer)).to.equal('reject');
  });

  it('lets an edge use only its own channel', () => {
    const e1 = edgeIdentity('sk', 'e1');
    expect(auth.canSubscribe(e1, '$edge/e1/down/#')).to.equal(true);
    expect(auth.canSubscribe(e1, '$edge/e2/down/#')).to.equal(false);
    expect(auth.canPublish(e1, '$edge/e1/up/a/b')).to.equal(true);
    expect(auth.canPublish(e1, '$edge/e2/up/a/b')).to.equal(false);
    expect(auth.canPublish(e1, 'sensors/1')).to.equal(false);
  });
});
