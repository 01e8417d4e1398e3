import { expect } from 'chai';
import { startTestPlatform, type TestPlatform } from '../../../helpers/platform.js';
import { api, devLogin, newSystem, newUser, registrationKey, type Api, type DevSession } from '../helpers.js';

const PATH = '/admin/settings/registration_key';

describe('identity REST: developer registration is closed by default', () => {
  let tp: TestPlatform;
  let a: Api;
  let admin: DevSession;
  beforeEach(async () => {
    tp = await startTestPlatform();
    a = api(tp.url);
    admin = await devLogin(a);
  });
  afterEach(() => tp.close({ removeData: true }));

  const reg = (body: Record<string, unknown>) => ({
    body: { email: 'new@dev', password: 'strong-pass-1', ...body },
  });

  it('refuses /admin/reg without a key (403 CB_ERR_DEVELOPER_REGISTRATION_CLOSED), even before any key is set', async () => {
    await a.fails('POST', '/admin/reg', 403, 'CB_ERR_DEVELOPER_REGISTRATION_CLOSED', reg({}));
    await a.fails('POST', '/admin/reg', 403, 'CB_ERR_DEVELOPER_BAD_REGISTRATION_KEY', reg({ key: 'guess' }));
    expect(await a.ok('GET', PATH, { headers: admin.headers })).to.include({
      open_registration: false,
      registration_key_set: false,
    });
    expect(await tp.platform.identity.developerByEmail('new@dev')).to.equal(undefined);
  });

  it('registers with the key a developer set; a wrong key is refused; removing the key closes registration', async () => {
    const key = await registrationKey(a, admin);
    expect(key).to.have.length.of.at.least(32);
    const status = await a.ok<Record<string, unknown>>('GET', PATH, { headers: admin.headers });
    expect(status).to.include({
      registration_key_set: true,
      updated_by: tp.platform.identity.verifyToken(admin.token).id,
    });
    expect(JSON.stringify(status)).to.not.include(key);
    await a.fails(
      'POST',
      '/admin/reg',
      403,
      'CB_ERR_DEVELOPER_BAD_REGISTRATION_KEY',
      reg({ key: `${key}x` }),
    );
    const r = await a.ok<{ dev_token: string }>('POST', '/admin/reg', reg({ key }));
    expect(tp.platform.identity.verifyToken(r.dev_token)).to.include({ kind: 'developer', name: 'new@dev' });
    // A new key replaces the old one.
    const next = await registrationKey(a, admin);
    await a.fails(
      'POST',
      '/admin/reg',
      403,
      'CB_ERR_DEVELOPER_BAD_REGISTRATION_KEY',
      reg({ email: 'b@dev', key }),
    );
    await a.ok('POST', '/admin/reg', reg({ email: 'b@dev', key: next }));
    await a.ok('DELETE', PATH, { headers: admin.headers });
    await a.fails(
      'POST',
      '/admin/reg',
      403,
      'CB_ERR_DEVELOPER_BAD_REGISTRATION_KEY',
      reg({ email: 'c@dev', key: next }),
    );
  });

  it('accepts a chosen key of 16 characters or more only', async () => {
    await a.fails('POST', PATH, 400, 'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', {
      headers: admin.headers,
      body: { key: 'short-key' },
    });
    const chosen = 'our-team-invite-2026';
    expect(await a.ok('POST', PATH, { headers: admin.headers, body: { key: chosen } })).to.deep.equal({
      registration_key: chosen,
    });
    await a.ok('POST', '/admin/reg', reg({ key: chosen }));
  });

  it('lets only developers read, set or remove the key', async () => {
    for (const method of ['GET', 'POST', 'DELETE'])
      await a.fails(method, PATH, 401, 'CB_ERR_AUTH_MISSING_TOKEN');
    const sys = await newSystem(a, admin);
    const user = await newUser(a, sys, 'u@x');
    await a.fails('POST', PATH, 403, 'CB_ERR_AUTH_FORBIDDEN', {
      headers: { 'ClearBlade-DevToken': user.token },
    });
  });

  it('refuses weak developer passwords with stable codes, key or not', async () => {
    const key = await registrationKey(a, admin);
    await a.fails(
      'POST',
      '/admin/reg',
      400,
      'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT',
      reg({ key, password: 'a' }),
    );
    await a.fails(
      'POST',
      '/admin/reg',
      400,
      'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT',
      reg({ key, password: 'Ab1-xyz' }),
    );
    for (const password of [
      'aaaaaaaaaaaa',
      'abababab',
      '12345678',
      'hgfedcba',
      'Password123!',
      'qwertyuiop',
      'New@Dev1',
    ]) {
      await a.fails('POST', '/admin/reg', 400, 'CB_ERR_IDENTITY_PASSWORD_WEAK', reg({ key, password }));
    }
    await a.fails(
      'POST',
      '/admin/reg',
      400,
      'CB_ERR_IDENTITY_PASSWORD_WEAK',
      reg({ key, email: 'carol@dev', password: 'Carol-2024' }),
    );
    expect(await tp.platform.identity.developerCount()).to.equal(1);
  });
});

describe('identity REST: open registration (ISOBAR_OPEN_REGISTRATION, a lab)', () => {
  let tp: TestPlatform;
  afterEach(() => tp.close({ removeData: true }));

  it('registers without a key, and says so', async () => {
    tp = await startTestPlatform({ overrides: { 'identity.openRegistration': true } });
    const a = api(tp.url);
    await a.ok('POST', '/admin/reg', { body: { email: 'lab@dev', password: 'lab-pass-1' } });
    const lab = await devLogin(a, 'lab@dev', 'lab-pass-1');
    expect(await a.ok('GET', PATH, { headers: lab.headers })).to.include({ open_registration: true });
    await a.fails('POST', '/admin/reg', 400, 'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', {
      body: { email: 'weak@dev', password: 'pw' },
    });
  });
});

describe('identity REST: password strength for users and device keys', () => {
  let tp: TestPlatform;
  let a: Api;
  before(async () => {
    tp = await startTestPlatform();
    a = api(tp.url);
  });
  after(() => tp.close({ removeData: true }));

  it('applies to user registration, the user’s own change, a developer’s change and device keys', async () => {
    const dev = await devLogin(a);
    const sys = await newSystem(a, dev);
    await a.fails('POST', '/api/v/1/user/reg', 400, 'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', {
      headers: sys.headers,
      body: { email: 'ann@x', password: 'ann' },
    });
    await a.fails('POST', `/admin/user/${sys.systemKey}`, 400, 'CB_ERR_IDENTITY_PASSWORD_WEAK', {
      headers: dev.headers,
      body: { email: 'ann@x', password: 'password1' },
    });
    const u = await newUser(a, sys, 'ann@x');
    await a.fails('PUT', '/api/v/1/user/pass', 400, 'CB_ERR_IDENTITY_PASSWORD_WEAK', {
      headers: u.headers,
      body: { old_password: 'user-pass-1', new_password: '11111111' },
    });
    await a.fails('PUT', `/admin/user/${sys.systemKey}`, 400, 'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', {
      headers: dev.headers,
      body: { user: u.userId, changes: { password: 'short' } },
    });
    // Nothing changed: the old password still logs in.
    await a.ok('POST', '/api/v/1/user/auth', {
      headers: sys.headers,
      body: { email: 'ann@x', password: 'user-pass-1' },
    });
    const path = `/admin/devices/${sys.systemKey}/pump-station`;
    await a.fails('POST', path, 400, 'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', {
      headers: dev.headers,
      body: { active_key: 'k1' },
    });
    await a.fails('POST', path, 400, 'CB_ERR_IDENTITY_PASSWORD_WEAK', {
      headers: dev.headers,
      body: { active_key: 'Pump-Station' },
    });
    await a.ok('POST', path, { headers: dev.headers, body: {} }); // no key: no key login at all
    await a.fails('PUT', path, 400, 'CB_ERR_IDENTITY_PASSWORD_WEAK', {
      headers: dev.headers,
      body: { active_key: 'zzzzzzzzzz' },
    });
    await a.ok('PUT', path, { headers: dev.headers, body: { active_key: 'pump-1-key' } });
  });
});
