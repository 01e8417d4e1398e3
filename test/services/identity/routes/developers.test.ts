import { expect } from 'chai';
import { startTestPlatform, type TestPlatform } from '../../../helpers/platform.js';
import { api, devLogin, registrationKey, type Api } from '../helpers.js';

describe('identity REST: developers', () => {
  let tp: TestPlatform;
  let a: Api;
  let key: string;
  before(async () => {
    tp = await startTestPlatform();
    a = api(tp.url);
    key = await registrationKey(a, await devLogin(a));
  });
  after(() => tp.close({ removeData: true }));

  it('registers a developer and answers a ClearBlade-shaped 84-char token with expires_at in seconds', async () => {
    const r = await a.ok<{ dev_token: string; expires_at: number }>('POST', '/admin/reg', {
      body: { email: 'new@dev', password: 'secret-pass-1', fname: 'N', lname: 'D', org: 'O', key },
    });
    expect(r.dev_token).to.match(/^[A-Za-z0-9_-]{82}==$/);
    expect(r.expires_at).to.be.within(Date.now() / 1000, Date.now() / 1000 + 86401);
    const info = await a.ok('GET', '/admin/userinfo', { headers: { 'ClearBlade-DevToken': r.dev_token } });
    expect(info).to.include({ email: 'new@dev', fname: 'N', lname: 'D', org: 'O' });
  });

  it('refuses a duplicate developer email with 409 CB_ERR_DEVELOPER_EXISTS', async () => {
    await a.fails('POST', '/admin/reg', 409, 'CB_ERR_DEVELOPER_EXISTS', {
      body: { email: 'admin@test.local', password: 'dev-pass-1', key },
    });
  });

  it('refuses missing fields, wrong types and malformed JSON with 400', async () => {
    await a.fails('POST', '/admin/reg', 400, 'CB_ERR_HTTP_BAD_REQUEST', { body: { email: 'x@y' } });
    await a.fails('POST', '/admin/reg', 400, 'CB_ERR_HTTP_BAD_REQUEST', {
      body: { email: {}, password: 'p' },
    });
    await a.fails('POST', '/admin/auth', 400, 'CB_ERR_HTTP_BAD_JSON', { raw: '{"email": ' });
    await a.fails('POST', '/admin/auth', 400, 'CB_ERR_HTTP_BAD_REQUEST', {});
  });

  it('logs in with the right password only', async () => {
    await devLogin(a);
    await a.fails('POST', '/admin/auth', 401, 'CB_ERR_AUTH_BAD_CREDENTIALS', {
      body: { email: 'admin@test.local', password: 'wrong' },
    });
    await a.fails('POST', '/admin/auth', 401, 'CB_ERR_AUTH_BAD_CREDENTIALS', {
      body: { email: 'nobody@test.local', password: 'x' },
    });
  });

  it('checkauth says true for a live token and false after logout', async () => {
    const dev = await devLogin(a);
    expect(await a.ok('POST', '/admin/checkauth', { headers: dev.headers })).to.deep.equal({
      is_authenticated: true,
    });
    expect(await a.ok('POST', '/admin/logout', { headers: dev.headers })).to.deep.equal({});
    expect(await a.ok('POST', '/admin/checkauth', { headers: dev.headers })).to.deep.equal({
      is_authenticated: false,
    });
    await a.fails('GET', '/admin/userinfo', 401, 'CB_ERR_AUTH_INVALID_TOKEN', { headers: dev.headers });
  });

  it('needs a token for logout and userinfo', async () => {
    await a.fails('POST', '/admin/logout', 401, 'CB_ERR_AUTH_MISSING_TOKEN');
    await a.fails('GET', '/admin/userinfo', 401, 'CB_ERR_AUTH_MISSING_TOKEN');
    await a.fails('GET', '/admin/userinfo', 401, 'CB_ERR_AUTH_INVALID_TOKEN', {
      headers: { 'ClearBlade-DevToken': 'not-a-token' },
    });
  });

  it('refuses a user token where a developer token is needed', async () => {
    const dev = await devLogin(a);
    const sys = tp.platform.identity.systemsOf(tp.platform.identity.verifyToken(dev.token).id)[0];
    const user = await tp.platform.identity.registerUser(sys.systemKey, 'u@x', 'user-pass-1');
    const login = await tp.platform.identity.issueUserToken(sys.systemKey, user.user_id);
    await a.fails('GET', '/admin/userinfo', 403, 'CB_ERR_AUTH_FORBIDDEN', {
      headers: { 'ClearBlade-DevToken': login.token },
    });
  });

  it('refuses a body larger than the limit with 413', async () => {
    await a.fails('POST', '/admin/reg', 413, 'CB_ERR_HTTP_BODY_TOO_LARGE', {
      raw: JSON.stringify({ email: 'big@x', password: 'x'.repeat(tp.config.http.bodyLimit) }),
    });
    expect(await tp.platform.identity.developerByEmail('big@x')).to.equal(undefined);
  });
});
