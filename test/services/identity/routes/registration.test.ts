import { expect } from 'chai';
import { startedPerTest } from '../../../helpers/fixture.js';
import { startTestPlatform } from '../../../helpers/platform.js';
import {
  api,
  devLogin,
  newSystem,
  newUser,
  registrationKey,
  useDevWorld,
  useSystemWorld,
} from '../helpers.js';

const PATH = '/admin/settings/registration_key';

describe('identity REST: developer registration is closed by default', () => {
  const w = useDevWorld('test');

  const reg = (body: Record<string, unknown>) => ({
    body: { email: 'new@dev', password: 'strong-pass-1', ...body },
  });

  it('refuses /admin/reg without a key (403 CB_ERR_DEVELOPER_REGISTRATION_CLOSED), even before any key is set', async () => {
    await w.a.fails('POST', '/admin/reg', 403, 'CB_ERR_DEVELOPER_REGISTRATION_CLOSED', reg({}));
    await w.a.fails(
      'POST',
      '/admin/reg',
      403,
      'CB_ERR_DEVELOPER_BAD_REGISTRATION_KEY',
      reg({ key: 'guess' }),
    );
    expect(await w.a.ok('GET', PATH, { headers: w.dev.headers })).to.include({
      open_registration: false,
      registration_key_set: false,
    });
    expect(await w.tp.platform.identity.developerByEmail('new@dev')).to.equal(undefined);
  });

  it('registers with the key a developer set; a wrong key is refused; removing the key closes registration', async () => {
    const key = await registrationKey(w.a, w.dev);
    expect(key).to.have.length.of.at.least(32);
    const status = await w.a.ok<Record<string, unknown>>('GET', PATH, { headers: w.dev.headers });
    expect(status).to.include({
      registration_key_set: true,
      updated_by: w.tp.platform.identity.verifyToken(w.dev.token).id,
    });
    expect(JSON.stringify(status)).to.not.include(key);
    await w.a.fails(
      'POST',
      '/admin/reg',
      403,
      'CB_ERR_DEVELOPER_BAD_REGISTRATION_KEY',
      reg({ key: `${key}x` }),
    );
    const r = await w.a.ok<{ dev_token: string }>('POST', '/admin/reg', reg({ key }));
    expect(w.tp.platform.identity.verifyToken(r.dev_token)).to.include({
      kind: 'developer',
      name: 'new@dev',
    });
    // A new key replaces the old one.
    const next = await registrationKey(w.a, w.dev);
    await w.a.fails(
      'POST',
      '/admin/reg',
      403,
      'CB_ERR_DEVELOPER_BAD_REGISTRATION_KEY',
      reg({ email: 'b@dev', key }),
    );
    await w.a.ok('POST', '/admin/reg', reg({ email: 'b@dev', key: next }));
    await w.a.ok('DELETE', PATH, { headers: w.dev.headers });
    await w.a.fails(
      'POST',
      '/admin/reg',
      403,
      'CB_ERR_DEVELOPER_BAD_REGISTRATION_KEY',
      reg({ email: 'c@dev', key: next }),
    );
  });

  it('accepts a chosen key of 16 characters or more only', async () => {
    await w.a.fails('POST', PATH, 400, 'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', {
      headers: w.dev.headers,
      body: { key: 'short-key' },
    });
    const chosen = 'our-team-invite-2026';
    expect(await w.a.ok('POST', PATH, { headers: w.dev.headers, body: { key: chosen } })).to.deep.equal({
      registration_key: chosen,
    });
    await w.a.ok('POST', '/admin/reg', reg({ key: chosen }));
  });

  it('lets only developers read, set or remove the key', async () => {
    for (const method of ['GET', 'POST', 'DELETE'])
      await w.a.fails(method, PATH, 401, 'CB_ERR_AUTH_MISSING_TOKEN');
    const sys = await newSystem(w.a, w.dev);
    const user = await newUser(w.a, sys, 'u@x');
    await w.a.fails('POST', PATH, 403, 'CB_ERR_AUTH_FORBIDDEN', {
      headers: { 'ClearBlade-DevToken': user.token },
    });
  });

  it('refuses weak developer passwords with stable codes, key or not', async () => {
    const key = await registrationKey(w.a, w.dev);
    await w.a.fails(
      'POST',
      '/admin/reg',
      400,
      'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT',
      reg({ key, password: 'a' }),
    );
    await w.a.fails(
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
      await w.a.fails('POST', '/admin/reg', 400, 'CB_ERR_IDENTITY_PASSWORD_WEAK', reg({ key, password }));
    }
    await w.a.fails(
      'POST',
      '/admin/reg',
      400,
      'CB_ERR_IDENTITY_PASSWORD_WEAK',
      reg({ key, email: 'carol@dev', password: 'Carol-2024' }),
    );
    expect(await w.tp.platform.identity.developerCount()).to.equal(1);
  });
});

describe('identity REST: open registration (ISOBAR_OPEN_REGISTRATION, a lab)', () => {
  const startPlatform = startedPerTest(startTestPlatform, (tp) => tp.close({ removeData: true }));

  it('registers without a key, and says so', async () => {
    const tp = await startPlatform({ overrides: { 'identity.openRegistration': true } });
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
  const w = useSystemWorld();

  it('applies to user registration, the user’s own change, a developer’s change and device keys', async () => {
    await w.a.fails('POST', '/api/v/1/user/reg', 400, 'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', {
      headers: w.sys.headers,
      body: { email: 'ann@x', password: 'ann' },
    });
    await w.a.fails('POST', `/admin/user/${w.sys.systemKey}`, 400, 'CB_ERR_IDENTITY_PASSWORD_WEAK', {
      headers: w.dev.headers,
      body: { email: 'ann@x', password: 'password1' },
    });
    const u = await newUser(w.a, w.sys, 'ann@x');
    await w.a.fails('PUT', '/api/v/1/user/pass', 400, 'CB_ERR_IDENTITY_PASSWORD_WEAK', {
      headers: u.headers,
      body: { old_password: 'user-pass-1', new_password: '11111111' },
    });
    await w.a.fails('PUT', `/admin/user/${w.sys.systemKey}`, 400, 'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', {
      headers: w.dev.headers,
      body: { user: u.userId, changes: { password: 'short' } },
    });
    // Nothing changed: the old password still logs in.
    await w.a.ok('POST', '/api/v/1/user/auth', {
      headers: w.sys.headers,
      body: { email: 'ann@x', password: 'user-pass-1' },
    });
    const path = `/admin/devices/${w.sys.systemKey}/pump-station`;
    await w.a.fails('POST', path, 400, 'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', {
      headers: w.dev.headers,
      body: { active_key: 'k1' },
    });
    await w.a.fails('POST', path, 400, 'CB_ERR_IDENTITY_PASSWORD_WEAK', {
      headers: w.dev.headers,
      body: { active_key: 'Pump-Station' },
    });
    await w.a.ok('POST', path, { headers: w.dev.headers, body: {} }); // no key: no key login at all
    await w.a.fails('PUT', path, 400, 'CB_ERR_IDENTITY_PASSWORD_WEAK', {
      headers: w.dev.headers,
      body: { active_key: 'zzzzzzzzzz' },
    });
    await w.a.ok('PUT', path, { headers: w.dev.headers, body: { active_key: 'pump-1-key' } });
  });
});
