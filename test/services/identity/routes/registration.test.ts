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
import { as } from './caller.js';

const PATH = '/admin/settings/registration_key';

describe('identity REST: developer registration is closed by default', () => {
  const w = useDevWorld('test');

  const reg = (body: Record<string, unknown>) => ({
    body: { email: 'new@dev', password: 'strong-pass-1', ...body },
  });
  /** A developer registration (new@dev unless `body` says otherwise) refused with `status` and `code`. */
  const refused = (status: number, code: string, body: Record<string, unknown>) =>
    w.a.fails('POST', '/admin/reg', status, code, reg(body));

  it('refuses /admin/reg without a key (403 CB_ERR_DEVELOPER_REGISTRATION_CLOSED), even before any key is set', async () => {
    const dev = as(w.a, w.dev);
    await refused(403, 'CB_ERR_DEVELOPER_REGISTRATION_CLOSED', {});
    await refused(403, 'CB_ERR_DEVELOPER_BAD_REGISTRATION_KEY', { key: 'guess' });
    expect(await dev.ok('GET', PATH)).to.include({
      open_registration: false,
      registration_key_set: false,
    });
    expect(await w.tp.platform.identity.developerByEmail('new@dev')).to.equal(undefined);
  });

  it('registers with the key a developer set; a wrong key is refused; removing the key closes registration', async () => {
    const dev = as(w.a, w.dev);
    const key = await registrationKey(w.a, w.dev);
    expect(key).to.have.length.of.at.least(32);
    const status = await dev.ok<Record<string, unknown>>('GET', PATH);
    expect(status).to.include({
      registration_key_set: true,
      updated_by: w.tp.platform.identity.verifyToken(w.dev.token).id,
    });
    expect(JSON.stringify(status)).to.not.include(key);
    await refused(403, 'CB_ERR_DEVELOPER_BAD_REGISTRATION_KEY', { key: `${key}x` });
    const r = await w.a.ok<{ dev_token: string }>('POST', '/admin/reg', reg({ key }));
    expect(w.tp.platform.identity.verifyToken(r.dev_token)).to.include({
      kind: 'developer',
      name: 'new@dev',
    });
    // A new key replaces the old one.
    const next = await registrationKey(w.a, w.dev);
    await refused(403, 'CB_ERR_DEVELOPER_BAD_REGISTRATION_KEY', { email: 'b@dev', key });
    await w.a.ok('POST', '/admin/reg', reg({ email: 'b@dev', key: next }));
    await dev.ok('DELETE', PATH);
    await refused(403, 'CB_ERR_DEVELOPER_BAD_REGISTRATION_KEY', { email: 'c@dev', key: next });
  });

  it('accepts a chosen key of 16 characters or more only', async () => {
    const dev = as(w.a, w.dev);
    await dev.fails('POST', PATH, 400, 'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', { key: 'short-key' });
    const chosen = 'our-team-invite-2026';
    expect(await dev.ok('POST', PATH, { key: chosen })).to.deep.equal({
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
    await refused(400, 'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', { key, password: 'a' });
    await refused(400, 'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', { key, password: 'Ab1-xyz' });
    for (const password of [
      'aaaaaaaaaaaa',
      'abababab',
      '12345678',
      'hgfedcba',
      'Password123!',
      'qwertyuiop',
      'New@Dev1',
    ]) {
      await refused(400, 'CB_ERR_IDENTITY_PASSWORD_WEAK', { key, password });
    }
    await refused(400, 'CB_ERR_IDENTITY_PASSWORD_WEAK', { key, email: 'carol@dev', password: 'Carol-2024' });
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
    const dev = as(w.a, w.dev);
    await w.a.fails('POST', '/api/v/1/user/reg', 400, 'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', {
      headers: w.sys.headers,
      body: { email: 'ann@x', password: 'ann' },
    });
    await dev.fails('POST', `/admin/user/${w.sys.systemKey}`, 400, 'CB_ERR_IDENTITY_PASSWORD_WEAK', {
      email: 'ann@x',
      password: 'password1',
    });
    const u = await newUser(w.a, w.sys, 'ann@x');
    await w.a.fails('PUT', '/api/v/1/user/pass', 400, 'CB_ERR_IDENTITY_PASSWORD_WEAK', {
      headers: u.headers,
      body: { old_password: 'user-pass-1', new_password: '11111111' },
    });
    await dev.fails('PUT', `/admin/user/${w.sys.systemKey}`, 400, 'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', {
      user: u.userId,
      changes: { password: 'short' },
    });
    // Nothing changed: the old password still logs in.
    await w.a.ok('POST', '/api/v/1/user/auth', {
      headers: w.sys.headers,
      body: { email: 'ann@x', password: 'user-pass-1' },
    });
    const path = `/admin/devices/${w.sys.systemKey}/pump-station`;
    await dev.fails('POST', path, 400, 'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT', { active_key: 'k1' });
    await dev.fails('POST', path, 400, 'CB_ERR_IDENTITY_PASSWORD_WEAK', { active_key: 'Pump-Station' });
    await dev.ok('POST', path, {}); // no key: no key login at all
    await dev.fails('PUT', path, 400, 'CB_ERR_IDENTITY_PASSWORD_WEAK', { active_key: 'zzzzzzzzzz' });
    await dev.ok('PUT', path, { active_key: 'pump-1-key' });
  });
});
