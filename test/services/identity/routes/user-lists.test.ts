// User-level roles and user lists (reference Appendix A): `/api/v/3/user/roles/{sk}` under the `roles` list
// right, `/api/v/1/user/count|columns` under the `users` right, and `GET /admin/triggers/definitions`
// for any valid token.
import { expect } from 'chai';
import { newUser, createRole, changeUser, useSystemWorld, type Headers } from '../helpers.js';

describe('identity REST: user-level roles and user lists', () => {
  const w = useSystemWorld();
  let allowed: Headers;
  let refused: { userId: string; headers: Headers };
  before(async () => {
    await createRole(w, { name: 'Managers', roles: { permissions: 15 }, users: { permissions: 1 } });
    const manager = await newUser(w.a, w.sys, 'manager@test.local');
    await changeUser(w, manager.userId, { roles: { add: ['Managers'] }, floor: 2 });
    allowed = manager.headers;
    refused = await newUser(w.a, w.sys, 'plain@test.local');
  });

  const roles = () => `/api/v/3/user/roles/${w.sys.systemKey}`;

  it('creates, lists, changes, counts and deletes roles with the roles right (JS SDK Roles)', async () => {
    const created = await w.a.ok<{ role_id: string }>('POST', roles(), {
      headers: allowed,
      body: { name: 'Viewers', topics: [{ itemInfo: { name: 'v/#' }, permissions: 1 }] },
    });
    expect(created.role_id).to.be.a('string');
    const list = await w.a.ok<Array<{ Name: string }>>('GET', roles(), { headers: allowed });
    expect(list.map((r) => r.Name)).to.include.members(['Authenticated', 'Managers', 'Viewers']);
    const changed = await w.a.ok<{ Permissions: { Topics: Array<{ Name: string; Level: number }> } }>(
      'PUT',
      roles(),
      {
        headers: allowed,
        body: { id: created.role_id, changes: { topics: [{ itemInfo: { name: 'v/#' }, permissions: 3 }] } },
      },
    );
    expect(changed.Permissions.Topics).to.deep.equal([{ Name: 'v/#', Level: 3 }]);
    const count = await w.a.ok<{ count: number }>('GET', `${roles()}/count`, { headers: allowed });
    expect(count.count).to.equal(list.length);
    await w.a.ok('DELETE', `${roles()}?role=${created.role_id}`, { headers: allowed });
    const after = await w.a.ok<Array<{ Name: string }>>('GET', roles(), { headers: allowed });
    expect(after.map((r) => r.Name)).to.not.include('Viewers');
  });

  it('refuses role calls without the roles right (403), but a user may read its own roles', async () => {
    const h = refused.headers;
    await w.a.fails('GET', roles(), 403, 'CB_ERR_AUTH_FORBIDDEN', { headers: h });
    await w.a.fails('GET', `${roles()}/count`, 403, 'CB_ERR_AUTH_FORBIDDEN', { headers: h });
    await w.a.fails('POST', roles(), 403, 'CB_ERR_AUTH_FORBIDDEN', { headers: h, body: { name: 'Mine' } });
    await w.a.fails('PUT', roles(), 403, 'CB_ERR_AUTH_FORBIDDEN', {
      headers: h,
      body: { id: 'Authenticated', changes: { allservices: { permissions: 1 } } },
    });
    await w.a.fails('DELETE', `${roles()}?role=Managers`, 403, 'CB_ERR_AUTH_FORBIDDEN', { headers: h });
    const mine = await w.a.ok<Array<{ Name: string }>>('GET', `${roles()}?user=${refused.userId}`, {
      headers: h,
    });
    expect(mine.map((r) => r.Name)).to.deep.equal(['Authenticated']);
  });

  it('counts users and lists their columns with the users right', async () => {
    expect(await w.a.ok('GET', '/api/v/1/user/count', { headers: allowed })).to.deep.equal({ count: 2 });
    const q = encodeURIComponent(JSON.stringify({ FILTERS: [[{ EQ: [{ email: 'plain@test.local' }] }]] }));
    expect(await w.a.ok('GET', `/api/v/1/user/count?query=${q}`, { headers: allowed })).to.deep.equal({
      count: 1,
    });
    const cols = await w.a.ok<Array<{ ColumnName: string; ColumnType: string; PK: boolean }>>(
      'GET',
      '/api/v/1/user/columns',
      { headers: allowed },
    );
    expect(cols.slice(0, 3).map((c) => c.ColumnName)).to.deep.equal(['user_id', 'email', 'creation_date']);
    expect(cols[0]?.PK).to.equal(true);
    expect(cols).to.deep.include({ ColumnName: 'floor', ColumnType: 'int', PK: false });
  });

  it('refuses user count and columns without the users right (403)', async () => {
    await w.a.fails('GET', '/api/v/1/user/count', 403, 'CB_ERR_AUTH_FORBIDDEN', { headers: refused.headers });
    await w.a.fails('GET', '/api/v/1/user/columns', 403, 'CB_ERR_AUTH_FORBIDDEN', {
      headers: refused.headers,
    });
  });

  it('answers the trigger definitions to users as to developers, and 401 without a token', async () => {
    const forUser = await w.a.ok<Array<{ def_module: string; def_name: string }>>(
      'GET',
      '/admin/triggers/definitions',
      {
        headers: refused.headers,
      },
    );
    expect(forUser.some((d) => d.def_module === 'Messaging' && d.def_name === 'Publish')).to.equal(true);
    const forDev = await w.a.ok('GET', '/admin/triggers/definitions', { headers: w.dev.headers });
    expect(forDev).to.deep.equal(forUser);
    await w.a.fails('GET', '/admin/triggers/definitions', 401, 'CB_ERR_AUTH_MISSING_TOKEN');
  });

  it('lists the user-level routes in the OpenAPI document with error responses', async () => {
    const doc = await w.a.ok<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>('GET', '/openapi.json');
    for (const [path, methods] of [
      ['/api/v/3/user/roles/{systemKey}', ['get', 'post', 'put', 'delete']],
      ['/api/v/3/user/roles/{systemKey}/count', ['get']],
      ['/api/v/1/user/count', ['get']],
      ['/api/v/1/user/columns', ['get']],
      ['/admin/triggers/definitions', ['get']],
    ] as const) {
      for (const m of methods) {
        expect(doc.paths[path]?.[m]?.responses, `${m} ${path}`).to.include.keys('200', '4XX');
      }
    }
  });
});
