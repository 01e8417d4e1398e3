import { expect } from 'chai';
import { startTestPlatform, type TestPlatform } from '../../../helpers/platform.js';
import { api, devLogin, newSystem, newUser, type Api, type DevSession, type TestSystem } from '../helpers.js';

describe('identity REST: users', () => {
  let tp: TestPlatform;
  let a: Api;
  let dev: DevSession;
  let sys: TestSystem;
  before(async () => {
    tp = await startTestPlatform();
    a = api(tp.url);
    dev = await devLogin(a);
    sys = await newSystem(a, dev);
  });
  after(() => tp.close({ removeData: true }));

  describe('the user’s own calls (/api/v/1/user)', () => {
    it('registers with key+secret: user_id, expires_at and user_token for every SDK, custom fields kept', async () => {
      const r = await a.ok<Record<string, unknown>>('POST', '/api/v/1/user/reg', {
        headers: sys.headers,
        body: { email: 'reg@x', password: 'user-pass-1', color: 'blue', size: 3 },
      });
      expect(r.user_id).to.match(/^[0-9a-f]{30}$/);
      expect(r.user_token).to.match(/^[A-Za-z0-9_-]{82}==$/);
      expect(r).to.include({ email: 'reg@x', color: 'blue', size: 3 });
      expect(r.expires_at).to.be.a('number');
      const roles = await a.ok<Array<{ ID: string }>>(
        'GET',
        `/admin/user/${sys.systemKey}/roles?user=${String(r.user_id)}`,
        {
          headers: dev.headers,
        },
      );
      expect(roles.map((x) => x.ID)).to.deep.equal(['Authenticated']);
    });

    it('refuses a duplicate email (409), a wrong secret and a missing system', async () => {
      await newUser(a, sys, 'dup@x');
      await a.fails('POST', '/api/v/1/user/reg', 409, 'CB_ERR_USER_EXISTS', {
        headers: sys.headers,
        body: { email: 'dup@x', password: 'user-pass-1' },
      });
      await a.fails('POST', '/api/v/1/user/auth', 401, 'CB_ERR_SYSTEM_BAD_SECRET', {
        headers: { ...sys.headers, 'ClearBlade-SystemSecret': 'WRONG' },
        body: { email: 'dup@x', password: 'user-pass-2' },
      });
      await a.fails('POST', '/api/v/1/user/auth', 401, 'CB_ERR_SYSTEM_BAD_SECRET', {
        headers: { 'ClearBlade-SystemKey': sys.systemKey },
        body: { email: 'dup@x', password: 'user-pass-2' },
      });
      await a.fails('POST', '/api/v/1/user/auth', 400, 'CB_ERR_SYSTEM_MISSING', {
        body: { email: 'dup@x', password: 'user-pass-2' },
      });
      await a.fails('POST', '/api/v/1/user/reg', 400, 'CB_ERR_IDENTITY_BAD_FIELD', {
        headers: sys.headers,
        body: { email: 'bad@x', password: 'user-pass-1', user_id: 'mine' },
      });
      const list = await tp.platform.identity.listUsers(sys.systemKey);
      expect(list.data.map((u) => u.email)).to.not.include('bad@x');
    });

    it('logs in, reads and changes its info, checks and ends its token', async () => {
      const u = await newUser(a, sys, 'me@x');
      const info = await a.ok('GET', '/api/v/1/user/info', { headers: u.headers, body: {} });
      expect(info).to.include({ email: 'me@x', user_id: u.userId });
      const changed = await a.ok('PUT', '/api/v/1/user/info', {
        headers: u.headers,
        body: { nickname: 'M' },
      });
      expect(changed).to.include({ nickname: 'M' });
      const wrapped = await a.ok('PUT', '/api/v/1/user/info', {
        headers: u.headers,
        body: { changes: { nickname: 'N' } },
      });
      expect(wrapped).to.include({ nickname: 'N' });
      expect(await a.ok('POST', '/api/v/1/user/checkauth', { headers: u.headers })).to.deep.equal({
        is_authenticated: true,
      });
      expect(await a.ok('POST', '/api/v/1/user/logout', { headers: u.headers })).to.deep.equal({});
      expect(await a.ok('POST', '/api/v/1/user/checkauth', { headers: u.headers })).to.deep.equal({
        is_authenticated: false,
      });
      await a.fails('GET', '/api/v/1/user/info', 401, 'CB_ERR_AUTH_INVALID_TOKEN', { headers: u.headers });
    });

    it('answers 200 to a logout with key and secret only (Node SDK)', async () => {
      expect(await a.ok('POST', '/api/v/1/user/logout', { headers: sys.headers })).to.deep.equal({});
    });

    it('refuses a wrong password', async () => {
      await newUser(a, sys, 'pw@x');
      await a.fails('POST', '/api/v/1/user/auth', 401, 'CB_ERR_AUTH_BAD_CREDENTIALS', {
        headers: sys.headers,
        body: { email: 'pw@x', password: 'nope' },
      });
    });

    it('a password change needs the old password and revokes every token of the user', async () => {
      const u = await newUser(a, sys, 'change@x', 'old-pass-1');
      await a.fails('PUT', '/api/v/1/user/pass', 401, 'CB_ERR_AUTH_BAD_CREDENTIALS', {
        headers: u.headers,
        body: { old_password: 'wrong', new_password: 'new-pass-1' },
      });
      await a.ok('PUT', '/api/v/1/user/pass', {
        headers: u.headers,
        body: { old_password: 'old-pass-1', new_password: 'new-pass-1' },
      });
      await a.fails('GET', '/api/v/1/user/info', 401, 'CB_ERR_AUTH_INVALID_TOKEN', { headers: u.headers });
      await a.ok('POST', '/api/v/1/user/auth', {
        headers: sys.headers,
        body: { email: 'change@x', password: 'new-pass-1' },
      });
    });

    it('issues anonymous tokens that are not user tokens', async () => {
      const r = await a.ok<{ user_token: string }>('POST', '/api/v/1/user/anon', {
        headers: sys.headers,
        body: {},
      });
      await a.fails('GET', '/api/v/1/user/info', 403, 'CB_ERR_AUTH_FORBIDDEN', {
        headers: { 'ClearBlade-UserToken': r.user_token },
      });
      expect(
        await a.ok('POST', '/api/v/1/user/checkauth', { headers: { 'ClearBlade-UserToken': r.user_token } }),
      ).to.deep.equal({
        is_authenticated: true,
      });
    });

    it('lists users with a query only when a role grants the users permission', async () => {
      const u = await newUser(a, sys, 'lister@x');
      await a.fails('GET', '/api/v/1/user', 403, 'CB_ERR_AUTH_FORBIDDEN', { headers: u.headers });
      const role = await a.ok<{ role_id: string }>('POST', `/admin/user/${sys.systemKey}/roles`, {
        headers: dev.headers,
        body: { name: 'UserReaders', users: { permissions: 1 } },
      });
      await a.ok('PUT', `/admin/user/${sys.systemKey}`, {
        headers: dev.headers,
        body: { user: u.userId, changes: { roles: { add: [role.role_id] } } },
      });
      const query = encodeURIComponent(JSON.stringify({ FILTERS: [[{ EQ: [{ email: 'lister@x' }] }]] }));
      const r = await a.ok<{ Data: Array<{ email: string }>; Total: number }>(
        'GET',
        `/api/v/1/user?query=${query}`,
        {
          headers: u.headers,
        },
      );
      expect(r.Total).to.equal(1);
      expect(r.Data[0].email).to.equal('lister@x');
      await a.fails(
        'GET',
        `/api/v/1/user?query=${encodeURIComponent('{"FILTERS":[[{"LIKE":[]}]]}')}`,
        400,
        'CB_ERR_IDENTITY_BAD_QUERY',
        {
          headers: u.headers,
        },
      );
    });
  });

  describe('developer management (/admin/user/{systemKey})', () => {
    it('creates, lists with paging, changes and deletes users', async () => {
      const s = await newSystem(a, dev, 'Admin users');
      const created = await a.ok<{ user_id: string }>('POST', `/admin/user/${s.systemKey}`, {
        headers: dev.headers,
        body: { email: 'one@x', password: 'user-pass-1', team: 'a' },
      });
      await a.ok('POST', `/admin/user/${s.systemKey}`, {
        headers: dev.headers,
        body: { email: 'two@x', password: 'user-pass-1' },
      });
      const page = await a.ok<{ Data: Array<{ email: string }>; Total: number }>(
        'GET',
        `/admin/user/${s.systemKey}?query=${encodeURIComponent(JSON.stringify({ PAGESIZE: 1, PAGENUM: 2 }))}`,
        { headers: dev.headers },
      );
      expect(page.Total).to.equal(2);
      expect(page.Data.map((u) => u.email)).to.deep.equal(['two@x']);
      const changed = await a.ok('PUT', `/admin/user/${s.systemKey}`, {
        headers: dev.headers,
        body: {
          user: created.user_id,
          changes: {
            email: 'uno@x',
            team: null,
            roles: { add: ['Administrator'], delete: ['Authenticated'] },
          },
        },
      });
      expect(changed).to.include({ email: 'uno@x' }).and.not.have.property('team');
      expect(
        tp.platform.identity.rolesOf(s.systemKey, 'user', created.user_id).map((r) => r.id),
      ).to.deep.equal(['Administrator']);
      await a.ok('DELETE', `/admin/user/${s.systemKey}?user=${created.user_id}`, { headers: dev.headers });
      const after = await a.ok<{ Total: number }>('GET', `/admin/user/${s.systemKey}`, {
        headers: dev.headers,
      });
      expect(after.Total).to.equal(1);
    });

    it('answers 404 for an unknown user or role and writes nothing', async () => {
      const u = await newUser(a, sys, 'keep@x');
      await a.fails('PUT', `/admin/user/${sys.systemKey}`, 404, 'CB_ERR_USER_UNKNOWN', {
        headers: dev.headers,
        body: { user: 'nobody', changes: { email: 'z@x' } },
      });
      await a.fails('DELETE', `/admin/user/${sys.systemKey}?user=nobody`, 404, 'CB_ERR_USER_UNKNOWN', {
        headers: dev.headers,
      });
      await a.fails('PUT', `/admin/user/${sys.systemKey}`, 404, 'CB_ERR_ROLE_UNKNOWN', {
        headers: dev.headers,
        body: { user: u.userId, changes: { email: 'changed@x', roles: { add: ['NoSuchRole'] } } },
      });
      expect((await tp.platform.identity.user(sys.systemKey, u.userId)).email).to.equal('keep@x');
    });

    it('refuses a change to an email another user has (409)', async () => {
      const u = await newUser(a, sys, 'first@x');
      await newUser(a, sys, 'second@x');
      await a.fails('PUT', `/admin/user/${sys.systemKey}`, 409, 'CB_ERR_USER_EXISTS', {
        headers: dev.headers,
        body: { user: u.userId, changes: { email: 'second@x' } },
      });
    });

    it('revokes a user’s tokens when the developer deletes it or sets its password', async () => {
      const u1 = await newUser(a, sys, 'del@x');
      const u2 = await newUser(a, sys, 'reset@x');
      const revoked: string[] = [];
      const off = tp.platform.events.on('tokens.revoked', (e) => revoked.push(...e.tokens));
      try {
        await a.ok('DELETE', `/admin/user/${sys.systemKey}?user=${u1.userId}`, { headers: dev.headers });
        await a.ok('PUT', `/admin/user/${sys.systemKey}`, {
          headers: dev.headers,
          body: { user: u2.userId, changes: { password: 'fresh-pass-1' } },
        });
      } finally {
        off();
      }
      expect(revoked).to.include.members([u1.token, u2.token]);
      await a.fails('GET', '/api/v/1/user/info', 401, 'CB_ERR_AUTH_INVALID_TOKEN', { headers: u2.headers });
    });
  });
});
