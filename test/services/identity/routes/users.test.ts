import { expect } from 'chai';
import { newSystem, newUser, useSystemWorld } from '../helpers.js';

describe('identity REST: users', () => {
  const w = useSystemWorld();

  describe('the user’s own calls (/api/v/1/user)', () => {
    it('registers with key+secret: user_id, expires_at and user_token for every SDK, custom fields kept', async () => {
      const r = await w.a.ok<Record<string, unknown>>('POST', '/api/v/1/user/reg', {
        headers: w.sys.headers,
        body: { email: 'reg@x', password: 'user-pass-1', color: 'blue', size: 3 },
      });
      expect(r.user_id).to.match(/^[0-9a-f]{30}$/);
      expect(r.user_token).to.match(/^[A-Za-z0-9_-]{82}==$/);
      expect(r).to.include({ email: 'reg@x', color: 'blue', size: 3 });
      expect(r.expires_at).to.be.a('number');
      const roles = await w.a.ok<Array<{ ID: string }>>(
        'GET',
        `/admin/user/${w.sys.systemKey}/roles?user=${String(r.user_id)}`,
        {
          headers: w.dev.headers,
        },
      );
      expect(roles.map((x) => x.ID)).to.deep.equal(['Authenticated']);
    });

    it('refuses a duplicate email (409), a wrong secret and a missing system', async () => {
      await newUser(w.a, w.sys, 'dup@x');
      await w.a.fails('POST', '/api/v/1/user/reg', 409, 'CB_ERR_USER_EXISTS', {
        headers: w.sys.headers,
        body: { email: 'dup@x', password: 'user-pass-1' },
      });
      await w.a.fails('POST', '/api/v/1/user/auth', 401, 'CB_ERR_SYSTEM_BAD_SECRET', {
        headers: { ...w.sys.headers, 'ClearBlade-SystemSecret': 'WRONG' },
        body: { email: 'dup@x', password: 'user-pass-2' },
      });
      await w.a.fails('POST', '/api/v/1/user/auth', 401, 'CB_ERR_SYSTEM_BAD_SECRET', {
        headers: { 'ClearBlade-SystemKey': w.sys.systemKey },
        body: { email: 'dup@x', password: 'user-pass-2' },
      });
      await w.a.fails('POST', '/api/v/1/user/auth', 400, 'CB_ERR_SYSTEM_MISSING', {
        body: { email: 'dup@x', password: 'user-pass-2' },
      });
      await w.a.fails('POST', '/api/v/1/user/reg', 400, 'CB_ERR_IDENTITY_BAD_FIELD', {
        headers: w.sys.headers,
        body: { email: 'bad@x', password: 'user-pass-1', user_id: 'mine' },
      });
      const list = await w.tp.platform.identity.listUsers(w.sys.systemKey);
      expect(list.data.map((u) => u.email)).to.not.include('bad@x');
    });

    it('logs in, reads and changes its info, checks and ends its token', async () => {
      const u = await newUser(w.a, w.sys, 'me@x');
      const info = await w.a.ok('GET', '/api/v/1/user/info', { headers: u.headers, body: {} });
      expect(info).to.include({ email: 'me@x', user_id: u.userId });
      const changed = await w.a.ok('PUT', '/api/v/1/user/info', {
        headers: u.headers,
        body: { nickname: 'M' },
      });
      expect(changed).to.include({ nickname: 'M' });
      const wrapped = await w.a.ok('PUT', '/api/v/1/user/info', {
        headers: u.headers,
        body: { changes: { nickname: 'N' } },
      });
      expect(wrapped).to.include({ nickname: 'N' });
      expect(await w.a.ok('POST', '/api/v/1/user/checkauth', { headers: u.headers })).to.deep.equal({
        is_authenticated: true,
      });
      expect(await w.a.ok('POST', '/api/v/1/user/logout', { headers: u.headers })).to.deep.equal({});
      expect(await w.a.ok('POST', '/api/v/1/user/checkauth', { headers: u.headers })).to.deep.equal({
        is_authenticated: false,
      });
      await w.a.fails('GET', '/api/v/1/user/info', 401, 'CB_ERR_AUTH_INVALID_TOKEN', { headers: u.headers });
    });

    it('answers 200 to a logout with key and secret only (Node SDK)', async () => {
      expect(await w.a.ok('POST', '/api/v/1/user/logout', { headers: w.sys.headers })).to.deep.equal({});
    });

    it('refuses a wrong password', async () => {
      await newUser(w.a, w.sys, 'pw@x');
      await w.a.fails('POST', '/api/v/1/user/auth', 401, 'CB_ERR_AUTH_BAD_CREDENTIALS', {
        headers: w.sys.headers,
        body: { email: 'pw@x', password: 'nope' },
      });
    });

    it('a password change needs the old password and revokes every token of the user', async () => {
      const u = await newUser(w.a, w.sys, 'change@x', 'old-pass-1');
      await w.a.fails('PUT', '/api/v/1/user/pass', 401, 'CB_ERR_AUTH_BAD_CREDENTIALS', {
        headers: u.headers,
        body: { old_password: 'wrong', new_password: 'new-pass-1' },
      });
      await w.a.ok('PUT', '/api/v/1/user/pass', {
        headers: u.headers,
        body: { old_password: 'old-pass-1', new_password: 'new-pass-1' },
      });
      await w.a.fails('GET', '/api/v/1/user/info', 401, 'CB_ERR_AUTH_INVALID_TOKEN', { headers: u.headers });
      await w.a.ok('POST', '/api/v/1/user/auth', {
        headers: w.sys.headers,
        body: { email: 'change@x', password: 'new-pass-1' },
      });
    });

    it('issues anonymous tokens that are not user tokens', async () => {
      const r = await w.a.ok<{ user_token: string }>('POST', '/api/v/1/user/anon', {
        headers: w.sys.headers,
        body: {},
      });
      await w.a.fails('GET', '/api/v/1/user/info', 403, 'CB_ERR_AUTH_FORBIDDEN', {
        headers: { 'ClearBlade-UserToken': r.user_token },
      });
      expect(
        await w.a.ok('POST', '/api/v/1/user/checkauth', {
          headers: { 'ClearBlade-UserToken': r.user_token },
        }),
      ).to.deep.equal({
        is_authenticated: true,
      });
    });

    it('lists users with a query only when a role grants the users permission', async () => {
      const u = await newUser(w.a, w.sys, 'lister@x');
      await w.a.fails('GET', '/api/v/1/user', 403, 'CB_ERR_AUTH_FORBIDDEN', { headers: u.headers });
      const role = await w.a.ok<{ role_id: string }>('POST', `/admin/user/${w.sys.systemKey}/roles`, {
        headers: w.dev.headers,
        body: { name: 'UserReaders', users: { permissions: 1 } },
      });
      await w.a.ok('PUT', `/admin/user/${w.sys.systemKey}`, {
        headers: w.dev.headers,
        body: { user: u.userId, changes: { roles: { add: [role.role_id] } } },
      });
      const query = encodeURIComponent(JSON.stringify({ FILTERS: [[{ EQ: [{ email: 'lister@x' }] }]] }));
      const r = await w.a.ok<{ Data: Array<{ email: string }>; Total: number }>(
        'GET',
        `/api/v/1/user?query=${query}`,
        {
          headers: u.headers,
        },
      );
      expect(r.Total).to.equal(1);
      expect(r.Data[0].email).to.equal('lister@x');
      await w.a.fails(
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
      const s = await newSystem(w.a, w.dev, 'Admin users');
      const created = await w.a.ok<{ user_id: string }>('POST', `/admin/user/${s.systemKey}`, {
        headers: w.dev.headers,
        body: { email: 'one@x', password: 'user-pass-1', team: 'a' },
      });
      await w.a.ok('POST', `/admin/user/${s.systemKey}`, {
        headers: w.dev.headers,
        body: { email: 'two@x', password: 'user-pass-1' },
      });
      const page = await w.a.ok<{ Data: Array<{ email: string }>; Total: number }>(
        'GET',
        `/admin/user/${s.systemKey}?query=${encodeURIComponent(JSON.stringify({ PAGESIZE: 1, PAGENUM: 2 }))}`,
        { headers: w.dev.headers },
      );
      expect(page.Total).to.equal(2);
      expect(page.Data.map((u) => u.email)).to.deep.equal(['two@x']);
      const changed = await w.a.ok('PUT', `/admin/user/${s.systemKey}`, {
        headers: w.dev.headers,
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
        w.tp.platform.identity.rolesOf(s.systemKey, 'user', created.user_id).map((r) => r.id),
      ).to.deep.equal(['Administrator']);
      await w.a.ok('DELETE', `/admin/user/${s.systemKey}?user=${created.user_id}`, {
        headers: w.dev.headers,
      });
      const after = await w.a.ok<{ Total: number }>('GET', `/admin/user/${s.systemKey}`, {
        headers: w.dev.headers,
      });
      expect(after.Total).to.equal(1);
    });

    it('answers 404 for an unknown user or role and writes nothing', async () => {
      const u = await newUser(w.a, w.sys, 'keep@x');
      await w.a.fails('PUT', `/admin/user/${w.sys.systemKey}`, 404, 'CB_ERR_USER_UNKNOWN', {
        headers: w.dev.headers,
        body: { user: 'nobody', changes: { email: 'z@x' } },
      });
      await w.a.fails('DELETE', `/admin/user/${w.sys.systemKey}?user=nobody`, 404, 'CB_ERR_USER_UNKNOWN', {
        headers: w.dev.headers,
      });
      await w.a.fails('PUT', `/admin/user/${w.sys.systemKey}`, 404, 'CB_ERR_ROLE_UNKNOWN', {
        headers: w.dev.headers,
        body: { user: u.userId, changes: { email: 'changed@x', roles: { add: ['NoSuchRole'] } } },
      });
      expect((await w.tp.platform.identity.user(w.sys.systemKey, u.userId)).email).to.equal('keep@x');
    });

    it('refuses a change to an email another user has (409)', async () => {
      const u = await newUser(w.a, w.sys, 'first@x');
      await newUser(w.a, w.sys, 'second@x');
      await w.a.fails('PUT', `/admin/user/${w.sys.systemKey}`, 409, 'CB_ERR_USER_EXISTS', {
        headers: w.dev.headers,
        body: { user: u.userId, changes: { email: 'second@x' } },
      });
    });

    it('revokes a user’s tokens when the developer deletes it or sets its password', async () => {
      const u1 = await newUser(w.a, w.sys, 'del@x');
      const u2 = await newUser(w.a, w.sys, 'reset@x');
      const revoked: string[] = [];
      const off = w.tp.platform.events.on('tokens.revoked', (e) => revoked.push(...e.tokens));
      try {
        await w.a.ok('DELETE', `/admin/user/${w.sys.systemKey}?user=${u1.userId}`, {
          headers: w.dev.headers,
        });
        await w.a.ok('PUT', `/admin/user/${w.sys.systemKey}`, {
          headers: w.dev.headers,
          body: { user: u2.userId, changes: { password: 'fresh-pass-1' } },
        });
      } finally {
        off();
      }
      expect(revoked).to.include.members([u1.token, u2.token]);
      await w.a.fails('GET', '/api/v/1/user/info', 401, 'CB_ERR_AUTH_INVALID_TOKEN', { headers: u2.headers });
    });
  });
});
