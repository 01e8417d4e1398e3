import { expect } from 'chai';
import { devLogin, registrationKey, useDevWorld } from '../helpers.js';

describe('identity REST: developers', () => {
  const w = useDevWorld();
  let key: string;
  before(async () => {
    key = await registrationKey(w.a, w.dev);
  });

  it('registers a developer and answers a ClearBlade-shaped 84-char token with expires_at in seconds', async () => {
    const r = await w.a.ok<{ dev_token: string; expires_at: number }>('POST', '/admin/reg', {
      body: { email: 'new@dev', password: 'secret-pass-1', fname: 'N', lname: 'D', org: 'O', key },
    });
    expect(r.dev_token).to.match(/^[A-Za-z0-9_-]{82}==$/);
    expect(r.expires_at).to.be.within(Date.now() / 1000, Date.now() / 1000 + 86401);
    const info = await w.a.ok('GET', '/admin/userinfo', { headers: { 'ClearBlade-DevToken': r.dev_token } });
    expect(info).to.include({ email: 'new@dev', fname: 'N', lname: 'D', org: 'O' });
  });

  it('refuses a duplicate developer email with 409 CB_ERR_DEVELOPER_EXISTS', async () => {
    await w.a.fails('POST', '/admin/reg', 409, 'CB_ERR_DEVELOPER_EXISTS', {
      body: { email: 'admin@test.local', password: 'dev-pass-1', key },
    });
  });

  it('refuses missing fields, wrong types and malformed JSON with 400', async () => {
    await w.a.fails('POST', '/admin/reg', 400, 'CB_ERR_HTTP_BAD_REQUEST', { body: { email: 'x@y' } });
    await w.a.fails('POST', '/admin/reg', 400, 'CB_ERR_HTTP_BAD_REQUEST', {
      body: { email: {}, password: 'p' },
    });
    await w.a.fails('POST', '/admin/auth', 400, 'CB_ERR_HTTP_BAD_JSON', { raw: '{"email": ' });
    await w.a.fails('POST', '/admin/auth', 400, 'CB_ERR_HTTP_BAD_REQUEST', {});
  });

  it('logs in with the right password only', async () => {
    await devLogin(w.a);
    await w.a.fails('POST', '/admin/auth', 401, 'CB_ERR_AUTH_BAD_CREDENTIALS', {
      body: { email: 'admin@test.local', password: 'wrong' },
    });
    await w.a.fails('POST', '/admin/auth', 401, 'CB_ERR_AUTH_BAD_CREDENTIALS', {
      body: { email: 'nobody@test.local', password: 'x' },
    });
  });

  it('checkauth says true for a live token and false after logout', async () => {
    const dev = await devLogin(w.a);
    expect(await w.a.ok('POST', '/admin/checkauth', { headers: dev.headers })).to.deep.equal({
      is_authenticated: true,
    });
    expect(await w.a.ok('POST', '/admin/logout', { headers: dev.headers })).to.deep.equal({});
    expect(await w.a.ok('POST', '/admin/checkauth', { headers: dev.headers })).to.deep.equal({
      is_authenticated: false,
    });
    await w.a.fails('GET', '/admin/userinfo', 401, 'CB_ERR_AUTH_INVALID_TOKEN', { headers: dev.headers });
  });

  it('needs a token for logout and userinfo', async () => {
    await w.a.fails('POST', '/admin/logout', 401, 'CB_ERR_AUTH_MISSING_TOKEN');
    await w.a.fails('GET', '/admin/userinfo', 401, 'CB_ERR_AUTH_MISSING_TOKEN');
    await w.a.fails('GET', '/admin/userinfo', 401, 'CB_ERR_AUTH_INVALID_TOKEN', {
      headers: { 'ClearBlade-DevToken': 'not-a-token' },
    });
  });

  it('refuses a user token where a developer token is needed', async () => {
    const dev = await devLogin(w.a);
    const sys = w.tp.platform.identity.systemsOf(w.tp.platform.identity.verifyToken(dev.token).id)[0];
    const user = await w.tp.platform.identity.registerUser(sys.systemKey, 'u@x', 'user-pass-1');
    const login = await w.tp.platform.identity.issueUserToken(sys.systemKey, user.user_id);
    await w.a.fails('GET', '/admin/userinfo', 403, 'CB_ERR_AUTH_FORBIDDEN', {
      headers: { 'ClearBlade-DevToken': login.token },
    });
  });

  it('refuses a body larger than the limit with 413', async () => {
    await w.a.fails('POST', '/admin/reg', 413, 'CB_ERR_HTTP_BODY_TOO_LARGE', {
      raw: JSON.stringify({ email: 'big@x', password: 'x'.repeat(w.tp.config.http.bodyLimit) }),
    });
    expect(await w.tp.platform.identity.developerByEmail('big@x')).to.equal(undefined);
  });
});
