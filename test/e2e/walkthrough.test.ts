// The README's "Walk-through with curl", step by step, over real HTTP against a fresh platform.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { api, type Api } from '../services/identity/helpers.js';

function readmeWalkthrough(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('## Walk-through with curl');
  const block = /```sh(?: runnable)?\n([\s\S]*?)```/.exec(readme.slice(start));
  return block?.[1] ?? '';
}

describe('README walk-through (e2e)', () => {
  let tp: TestPlatform;
  let a: Api;
  beforeEach(async () => {
    tp = await startTestPlatform();
    a = api(tp.url);
  });
  afterEach(() => tp.close({ removeData: true }));

  it('registers a developer, creates a system, a user, a device and a role, and gives the role to both', async () => {
    // 1. developer: the first-start developer issues a registration key, the new one registers with it
    const admin = await a.ok<{ dev_token: string }>('POST', '/admin/auth', {
      body: { email: 'admin@test.local', password: 'admin-pass-1' },
    });
    const { registration_key } = await a.ok<{ registration_key: string }>(
      'POST',
      '/admin/settings/registration_key',
      { headers: { 'ClearBlade-DevToken': admin.dev_token } },
    );
    await a.ok('POST', '/admin/reg', {
      body: { email: 'dev@example.com', password: 'dev-pass', key: registration_key },
    });
    const { dev_token } = await a.ok<{ dev_token: string }>('POST', '/admin/auth', {
      body: { email: 'dev@example.com', password: 'dev-pass' },
    });
    const DEV = { 'ClearBlade-DevToken': dev_token };
    // 2. system
    const sys = await a.ok<{ appID: string; appSecret: string }>('POST', '/admin/systemmanagement', {
      headers: DEV,
      body: { name: 'Plant' },
    });
    const SK = sys.appID;
    const KEYS = { 'ClearBlade-SystemKey': SK, 'ClearBlade-SystemSecret': sys.appSecret };
    // 3. user
    const { user_id } = await a.ok<{ user_id: string }>('POST', '/api/v/1/user/reg', {
      headers: KEYS,
      body: { email: 'ann@example.com', password: 'ann-pass' },
    });
    const { user_token } = await a.ok<{ user_token: string }>('POST', '/api/v/1/user/auth', {
      headers: KEYS,
      body: { email: 'ann@example.com', password: 'ann-pass' },
    });
    expect(
      await a.ok('GET', '/api/v/1/user/info', { headers: { 'ClearBlade-UserToken': user_token } }),
    ).to.include({
      user_id,
      email: 'ann@example.com',
    });
    // 4. device
    await a.ok('POST', `/admin/devices/${SK}/pump-1`, {
      headers: DEV,
      body: { active_key: 'pump-1-key', type: 'pump' },
    });
    const { deviceToken } = await a.ok<{ deviceToken: string }>('POST', `/api/v/2/devices/${SK}/auth`, {
      body: { deviceName: 'pump-1', activeKey: 'pump-1-key' },
    });
    // 5. role
    await a.ok('POST', `/admin/user/${SK}/roles`, {
      headers: DEV,
      body: { name: 'Plant', topics: [{ itemInfo: { name: 'plant/#' }, permissions: 3 }] },
    });
    const id = tp.platform.identity;
    const user = id.verifyToken(user_token);
    const device = id.verifyToken(deviceToken);
    expect(id.topicAllowed(user, SK, 'plant/line-1/temp', 'publish')).to.equal(false);
    // 6. give it to the user and the device
    await a.ok('PUT', `/admin/user/${SK}`, {
      headers: DEV,
      body: { user: user_id, changes: { roles: { add: ['Plant'] } } },
    });
    await a.ok('PUT', `/admin/devices/roles/${SK}/pump-1`, { headers: DEV, body: { add: ['Plant'] } });
    const names = await a.ok<Array<{ Name: string }>>('GET', `/admin/user/${SK}/roles?user=${user_id}`, {
      headers: DEV,
    });
    expect(names.map((r) => r.Name)).to.deep.equal(['Authenticated', 'Plant']);
    for (const p of [user, device]) {
      expect(id.topicAllowed(p, SK, 'plant/line-1/temp', 'publish')).to.equal(true);
      expect(id.topicAllowed(p, SK, 'plant/+/temp', 'subscribe')).to.equal(true);
      expect(id.topicAllowed(p, SK, 'office/temp', 'publish')).to.equal(false);
    }
  });

  it('matches the README: every call of the test is in its curl block', () => {
    const block = readmeWalkthrough();
    for (const fragment of [
      '$URL/admin/settings/registration_key',
      '$URL/admin/reg',
      '"key":"',
      '$URL/admin/auth',
      '$URL/admin/systemmanagement',
      '$URL/api/v/1/user/reg',
      '$URL/api/v/1/user/auth',
      '$URL/api/v/1/user/info',
      '-X POST $URL/admin/devices/$SK/pump-1',
      '$URL/api/v/2/devices/$SK/auth',
      '$URL/admin/user/$SK/roles',
      '-X PUT $URL/admin/user/$SK',
      '-X PUT $URL/admin/devices/roles/$SK/pump-1',
      '"itemInfo":{"name":"plant/#"},"permissions":3',
    ]) {
      expect(block, fragment).to.include(fragment);
    }
  });
});
