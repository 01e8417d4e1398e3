import { expect } from 'chai';
import { createManualClock } from '../../../services/kernel/clock.js';
import { startedPerTest } from '../../helpers/fixture.js';
import { startTestPlatform } from '../../helpers/platform.js';
import { api, devLogin, newDeveloper, newSystem, newUser } from './helpers.js';

describe('identity tokens', () => {
  const startPlatform = startedPerTest(startTestPlatform, (tp) => tp.close({ removeData: true }));

  it('expires user tokens after the system token_ttl and developer tokens after devTokenTtl (injected clock)', async () => {
    const clock = createManualClock();
    const tp = await startPlatform({ clock, overrides: { 'identity.devTokenTtl': 3600 } });
    const a = api(tp.url);
    const dev = await devLogin(a);
    const sys = await newSystem(a, dev);
    await a.ok('PUT', '/admin/systemmanagement', {
      headers: dev.headers,
      body: { id: sys.systemKey, token_ttl: 120 },
    });
    const u = await newUser(a, sys, 'ttl@x');
    clock.advance(119_000);
    await a.ok('GET', '/api/v/1/user/info', { headers: u.headers });
    clock.advance(1_000);
    await a.fails('GET', '/api/v/1/user/info', 401, 'CB_ERR_AUTH_EXPIRED_TOKEN', { headers: u.headers });
    expect(await a.ok('POST', '/api/v/1/user/checkauth', { headers: u.headers })).to.deep.equal({
      is_authenticated: false,
    });
    expect(() => tp?.platform.identity.verifyToken(u.token))
      .to.throw()
      .with.property('code', 'CB_ERR_AUTH_EXPIRED_TOKEN');
    clock.advance(3_600_000);
    await a.fails('GET', '/admin/allsystems', 401, 'CB_ERR_AUTH_EXPIRED_TOKEN', { headers: dev.headers });
  });

  it('keeps live tokens and revocations across a restart, and first start runs only once', async () => {
    let tp = await startPlatform();
    const dataDir = tp.dataDir;
    let a = api(tp.url);
    const dev = await devLogin(a);
    const sys = await newSystem(a, dev);
    const kept = await newUser(a, sys, 'kept@x');
    const ended = await newUser(a, sys, 'ended@x');
    await a.ok('POST', '/api/v/1/user/logout', { headers: ended.headers });
    const before = tp.platform.identity.systemsOf(tp.platform.identity.verifyToken(dev.token).id).length;
    await tp.close();
    tp = await startPlatform({ dataDir });
    a = api(tp.url);
    await a.ok('GET', '/api/v/1/user/info', { headers: kept.headers });
    await a.fails('GET', '/api/v/1/user/info', 401, 'CB_ERR_AUTH_INVALID_TOKEN', { headers: ended.headers });
    const list = await a.ok<unknown[]>('GET', '/admin/allsystems', { headers: dev.headers });
    expect(list).to.have.length(before);
    expect(await tp.platform.identity.developerCount()).to.equal(1);
    // The raw token was not stored, but verifying it again lets a later revocation announce it.
    const revoked: string[] = [];
    const off = tp.platform.events.on('tokens.revoked', (e) => revoked.push(...e.tokens));
    await a.ok('POST', '/api/v/1/user/logout', { headers: kept.headers });
    off();
    expect(revoked).to.deep.equal([kept.token]);
  });

  it('refuses a user token of system A for system B, and a developer token for a system it does not own', async () => {
    const tp = await startPlatform();
    const a = api(tp.url);
    const dev = await devLogin(a);
    const sysA = await newSystem(a, dev, 'A');
    const sysB = await newSystem(a, dev, 'B');
    const u = await newUser(a, sysA, 'tenant@x');
    const id = tp.platform.identity;
    const p = id.verifyToken(u.token);
    expect(id.canUseSystem(p, sysA.systemKey)).to.equal(true);
    expect(id.canUseSystem(p, sysB.systemKey)).to.equal(false);
    expect(id.topicAllowed(p, sysB.systemKey, 'x', 'publish')).to.equal(false);
    expect(id.msgHistoryLevel(p, sysB.systemKey)).to.equal(0);
    await a.fails('GET', '/api/v/1/user', 403, 'CB_ERR_AUTH_FORBIDDEN', {
      headers: { ...u.headers, 'ClearBlade-SystemKey': sysB.systemKey },
    });
    const stranger = await newDeveloper(a, dev, 'stranger@dev');
    const sp = id.verifyToken(stranger.token);
    expect(id.canUseSystem(sp, sysA.systemKey)).to.equal(false);
    expect(id.topicAllowed(sp, sysA.systemKey, 'x', 'publish')).to.equal(false);
    expect(id.topicAllowed(id.verifyToken(dev.token), sysA.systemKey, 'x', 'publish')).to.equal(true);
    await a.fails('GET', `/admin/user/${sysA.systemKey}`, 403, 'CB_ERR_AUTH_FORBIDDEN', {
      headers: stranger.headers,
    });
    await a.fails('GET', `/admin/devices/${sysA.systemKey}`, 403, 'CB_ERR_AUTH_FORBIDDEN', {
      headers: stranger.headers,
    });
    await a.fails('GET', `/admin/user/${sysA.systemKey}/roles`, 403, 'CB_ERR_AUTH_FORBIDDEN', {
      headers: stranger.headers,
    });
  });

  it('issues tokens for a run_user and resolves user ids from memory', async () => {
    const tp = await startPlatform();
    const a = api(tp.url);
    const dev = await devLogin(a);
    const sys = await newSystem(a, dev);
    const u = await newUser(a, sys, 'runner@x');
    const id = tp.platform.identity;
    expect(id.userById(sys.systemKey, u.userId)).to.deep.equal({ id: u.userId, email: 'runner@x' });
    expect(id.userById(sys.systemKey, 'nobody')).to.equal(undefined);
    const t = await id.issueUserToken(sys.systemKey, u.userId);
    expect(id.verifyToken(t.token)).to.include({ kind: 'user', id: u.userId, name: 'runner@x' });
    const login = await id.loginUser(sys.systemKey, 'runner@x', 'user-pass-1');
    expect(login.id).to.equal(u.userId);
    await id.loginUser(sys.systemKey, 'runner@x', 'bad').then(
      () => expect.fail('wrong password accepted'),
      (err: unknown) => expect(err).to.have.property('code', 'CB_ERR_AUTH_BAD_CREDENTIALS'),
    );
  });
});
