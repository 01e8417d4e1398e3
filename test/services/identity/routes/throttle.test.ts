// Password guessing is throttled on every login path, REST and auth over MQTT, per account and per address
// (DESIGN.md "Security model": login paths are throttled). A manual clock stands in for the window: nothing sleeps.
import { expect } from 'chai';
import mqtt from 'mqtt';
import { createManualClock, type ManualClock } from '../../../../services/kernel/clock.js';
import { startTestPlatform, type TestPlatform } from '../../../helpers/platform.js';
import { api, devLogin, newSystem, newUser, type Api, type DevSession, type TestSystem } from '../helpers.js';

describe('identity: login throttle over REST and auth over MQTT', () => {
  let tp: TestPlatform;
  let a: Api;
  let clock: ManualClock;
  let dev: DevSession;
  let sys: TestSystem;
  // 3 failures per account and 6 per address per 60 s: one more guess every 20 s (account) / 10 s (address).
  beforeEach(async () => {
    clock = createManualClock(Date.now());
    tp = await startTestPlatform({
      clock,
      overrides: {
        'identity.loginAccountFailures': 3,
        'identity.loginAddressFailures': 6,
        'identity.loginWindow': 60,
      },
    });
    a = api(tp.url);
    dev = await devLogin(a);
    sys = await newSystem(a, dev);
  });
  afterEach(() => tp.close({ removeData: true }));

  /** CONNACK return code of one auth-over-MQTT CONNECT. */
  const mqttLogin = (clientId: string): Promise<number> =>
    new Promise((resolve) => {
      const client = mqtt.connect(`mqtt://127.0.0.1:${String(tp.ports.auth)}`, {
        username: sys.systemKey,
        password: sys.systemSecret,
        clientId,
        reconnectPeriod: 0,
      });
      const done = (code: number) => {
        client.end(true);
        resolve(code);
      };
      client.once('connect', () => done(0));
      client.once('error', (err) => done((err as { code?: number }).code ?? -1));
    });

  it('answers 429 CB_ERR_AUTH_THROTTLED with Retry-After after 3 wrong developer passwords, even for the right one, until the window drains', async () => {
    for (let i = 0; i < 3; i++) {
      await a.fails('POST', '/admin/auth', 401, 'CB_ERR_AUTH_BAD_CREDENTIALS', {
        body: { email: 'admin@test.local', password: `guess-${String(i)}` },
      });
    }
    const right = { body: { email: 'admin@test.local', password: 'admin-pass-1' } };
    const refused = await a.call<{ code: string }>('POST', '/admin/auth', right);
    expect(refused.status).to.equal(429);
    expect(refused.body.code).to.equal('CB_ERR_AUTH_THROTTLED');
    expect(refused.headers['retry-after']).to.equal('20');
    clock.advance(19_000);
    await a.fails('POST', '/admin/auth', 429, 'CB_ERR_AUTH_THROTTLED', right);
    clock.advance(1_000);
    await a.ok('POST', '/admin/auth', right);
  });

  it('does not slow successful logins', async () => {
    for (let i = 0; i < 20; i++) await devLogin(a);
    const u = await newUser(a, sys, 'ok@x');
    for (let i = 0; i < 20; i++) {
      await a.ok('POST', '/api/v/1/user/auth', {
        headers: sys.headers,
        body: { email: 'ok@x', password: 'user-pass-1' },
      });
      expect(await mqttLogin('ok@x:user-pass-1')).to.equal(0);
    }
    expect(u.userId).to.be.a('string');
  });

  it('counts user guesses over REST and auth over MQTT together; a throttled MQTT login gets CONNACK 3', async () => {
    await newUser(a, sys, 'ann@x');
    const wrong = { headers: sys.headers, body: { email: 'ann@x', password: 'nope-nope' } };
    await a.fails('POST', '/api/v/1/user/auth', 401, 'CB_ERR_AUTH_BAD_CREDENTIALS', wrong);
    await a.fails('POST', '/api/v/1/user/auth', 401, 'CB_ERR_AUTH_BAD_CREDENTIALS', wrong);
    expect(await mqttLogin('ann@x:nope-nope')).to.equal(5);
    await a.fails('POST', '/api/v/1/user/auth', 429, 'CB_ERR_AUTH_THROTTLED', {
      headers: sys.headers,
      body: { email: 'ann@x', password: 'user-pass-1' },
    });
    expect(await mqttLogin('ann@x:user-pass-1')).to.equal(3);
    clock.advance(20_000);
    expect(await mqttLogin('ann@x:user-pass-1')).to.equal(0);
  });

  it('throttles device key guesses over REST and auth over MQTT', async () => {
    await a.ok('POST', `/admin/devices/${sys.systemKey}/pump-1`, {
      headers: dev.headers,
      body: { active_key: 'pump-1-key' },
    });
    const path = `/api/v/2/devices/${sys.systemKey}/auth`;
    for (let i = 0; i < 2; i++) {
      await a.fails('POST', path, 401, 'CB_ERR_AUTH_BAD_CREDENTIALS', {
        body: { deviceName: 'pump-1', activeKey: `k-${String(i)}` },
      });
    }
    expect(await mqttLogin('pump-1:k-2')).to.equal(5);
    const refused = await a.call('POST', path, { body: { deviceName: 'pump-1', activeKey: 'pump-1-key' } });
    expect(refused.status).to.equal(429);
    expect(Number(refused.headers['retry-after'])).to.be.within(1, 20);
    expect(await mqttLogin('pump-1:pump-1-key')).to.equal(3);
  });

  it('throttles one address guessing across many accounts', async () => {
    for (let i = 0; i < 6; i++) {
      await a.fails('POST', '/api/v/1/user/auth', 401, 'CB_ERR_AUTH_BAD_CREDENTIALS', {
        headers: sys.headers,
        body: { email: `nobody${String(i)}@x`, password: 'guess-guess' },
      });
    }
    // Another account, right password, same address: refused until the address bucket drains a little.
    await a.fails('POST', '/admin/auth', 429, 'CB_ERR_AUTH_THROTTLED', {
      body: { email: 'admin@test.local', password: 'admin-pass-1' },
    });
    clock.advance(10_000);
    await devLogin(a);
  });

  it("throttles guesses of the old password on a user's password change", async () => {
    const u = await newUser(a, sys, 'bob@x');
    for (let i = 0; i < 3; i++) {
      await a.fails('PUT', '/api/v/1/user/pass', 401, 'CB_ERR_AUTH_BAD_CREDENTIALS', {
        headers: u.headers,
        body: { old_password: `guess-${String(i)}`, new_password: 'bob-new-pass-1' },
      });
    }
    await a.fails('PUT', '/api/v/1/user/pass', 429, 'CB_ERR_AUTH_THROTTLED', {
      headers: u.headers,
      body: { old_password: 'user-pass-1', new_password: 'bob-new-pass-1' },
    });
  });
});
