import { expect } from 'chai';
import { topicMatches } from '../../../runtime-api/topics.js';
import {
  applyChanges,
  mergePermissions,
  NO_PERMISSIONS,
  readPermissions,
  servicePermitted,
  topicPermitted,
} from '../../../services/identity/permissions.js';

const topic = (name: string, permissions: number) => ({ itemInfo: { name }, permissions });

describe('identity permissions', () => {
  const eff = mergePermissions([
    applyChanges(NO_PERMISSIONS, { topics: [topic('sensors/#', 1), topic('cmd/+', 2)] }),
    applyChanges(NO_PERMISSIONS, { topics: [topic('cmd/+', 1)], services: [topic('Hello', 1)] }),
  ]);

  it('allows publish only on a level-2 filter matching the topic', () => {
    expect(topicPermitted(eff, 'cmd/7', 'publish')).to.equal(true);
    expect(topicPermitted(eff, 'sensors/7', 'publish')).to.equal(false);
    expect(topicPermitted(eff, 'cmd/7/x', 'publish')).to.equal(false);
  });

  it('allows subscribe only when a level-1 filter covers the requested filter', () => {
    expect(topicPermitted(eff, 'sensors/+/temp', 'subscribe')).to.equal(true);
    expect(topicPermitted(eff, 'sensors/#', 'subscribe')).to.equal(true);
    expect(topicPermitted(eff, '#', 'subscribe')).to.equal(false);
    expect(topicPermitted(eff, 'cmd/+', 'subscribe')).to.equal(true);
  });

  it('checks a $share/<group>/<filter> subscription on its filter', () => {
    expect(topicPermitted(eff, '$share/g1/sensors/1', 'subscribe')).to.equal(true);
    expect(topicPermitted(eff, '$share/g1/other', 'subscribe')).to.equal(false);
  });

  it('ORs levels of several roles and honours allservices', () => {
    expect(servicePermitted(eff, 'Hello')).to.equal(true);
    expect(servicePermitted(eff, 'Other')).to.equal(false);
    const all = mergePermissions([applyChanges(NO_PERMISSIONS, { allservices: { permissions: 1 } })]);
    expect(servicePermitted(all, 'Other')).to.equal(true);
  });

  it('reads back every §6.2 key with Level 0 when unset', () => {
    const read = readPermissions(applyChanges(NO_PERMISSIONS, { msgHistory: { permissions: 1 } }), 'sk');
    expect(read).to.include.keys(
      'Topics',
      'CodeServices',
      'AllServices',
      'MsgHistory',
      'DevicesList',
      'UsersList',
      'Push',
    );
    expect(read.MsgHistory).to.deep.equal({ Level: 1 });
    expect(read.Timers).to.deep.equal({ Level: 0 });
  });

  it('refuses unknown keys, bad levels and invalid topic filters', () => {
    for (const bad of [
      { dashboards: { permissions: 1 } },
      { topics: [topic('a', 16)] },
      { topics: [topic('a/#/b', 1)] },
      { topics: {} },
    ]) {
      expect(() => applyChanges(NO_PERMISSIONS, bad))
        .to.throw()
        .with.property('code', 'CB_ERR_IDENTITY_BAD_FIELD');
    }
  });
});

describe('identity permissions: publish trie', () => {
  it('agrees with topicMatches on every filter/topic pair of a small universe', () => {
    const filters = [
      '#',
      '+',
      'a',
      'a/#',
      'a/+',
      '+/b',
      'a/b',
      'a/+/c',
      '+/+/#',
      '$SYS/#',
      '$SYS/+',
      '/a',
      '+/#',
      'a/b/c/#',
    ];
    const topics = ['a', 'a/b', 'a/b/c', 'a/x/c', 'b', 'x/b', '$SYS/x', '$SYS', '/a', 'a/b/c/d', ''];
    for (const f of filters) {
      const eff = mergePermissions([applyChanges(NO_PERMISSIONS, { topics: [topic(f, 2)] })]);
      for (const t of topics) {
        expect(topicPermitted(eff, t, 'publish'), `${f} vs ${JSON.stringify(t)}`).to.equal(
          topicMatches(f, t),
        );
      }
    }
  });
});
