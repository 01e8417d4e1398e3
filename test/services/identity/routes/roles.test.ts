import { expect } from 'chai';
import type { RoleRead } from '../../../../bin/cli/roles.js';
import { newUser, useSystemWorld } from '../helpers.js';

describe('identity REST: roles', () => {
  const w = useSystemWorld();
  let rolesPath: string;
  before(async () => {
    rolesPath = `/admin/user/${w.sys.systemKey}/roles`;
  });

  it('creates a role from the write shape and reads it back in the read shape', async () => {
    const created = await w.a.ok<{ role_id: string }>('POST', rolesPath, {
      headers: w.dev.headers,
      body: {
        name: 'Operators',
        description: 'ops',
        collections: [],
        topics: [{ itemInfo: { name: 'sensors/#' }, permissions: 1 }],
        services: [{ itemInfo: { name: 'HelloWorld' }, permissions: 1 }],
        msgHistory: { permissions: 9 },
        servicecaches: [],
        externaldatabases: [],
      },
    });
    expect(created.role_id).to.match(/^[0-9a-f]{30}$/);
    const roles = await w.a.ok<RoleRead[]>('GET', rolesPath, { headers: w.dev.headers, body: {} });
    const r = roles.find((x) => x.ID === created.role_id);
    expect(r).to.include({ Name: 'Operators', Description: 'ops' });
    expect(r?.Permissions.Topics).to.deep.equal([{ Name: 'sensors/#', Level: 1 }]);
    expect(r?.Permissions.CodeServices).to.deep.equal([
      { Name: 'HelloWorld', Level: 1, SystemKey: w.sys.systemKey },
    ]);
    expect(r?.Permissions.MsgHistory).to.deep.equal({ Level: 9 });
    expect(r?.Permissions.AllServices).to.deep.equal({ Level: 0 });
    expect(await w.a.ok('GET', `${rolesPath}/count`, { headers: w.dev.headers })).to.deep.equal({ count: 4 });
  });

  it('updates by id or name: items upserted, level 0 removes, list rights set', async () => {
    await w.a.ok('POST', rolesPath, {
      headers: w.dev.headers,
      body: { name: 'Editable', topics: [{ itemInfo: { name: 'a/b' }, permissions: 3 }] },
    });
    const r = await w.a.ok<RoleRead>('PUT', rolesPath, {
      headers: w.dev.headers,
      body: {
        id: 'Editable',
        changes: {
          topics: [
            { itemInfo: { name: 'a/b' }, permissions: 0 },
            { itemInfo: { name: 'c/+' }, permissions: 2 },
          ],
          allservices: { permissions: 1 },
          users: { permissions: 1 },
        },
      },
    });
    expect(r.Permissions.Topics).to.deep.equal([{ Name: 'c/+', Level: 2 }]);
    expect(r.Permissions.AllServices).to.deep.equal({ Level: 1 });
    expect(r.Permissions.UsersList).to.deep.equal({ Level: 1 });
    const renamed = await w.a.ok<RoleRead>('PUT', rolesPath, {
      headers: w.dev.headers,
      body: { id: r.ID, name: 'Edited' },
    });
    expect(renamed.Name).to.equal('Edited');
  });

  it('refuses duplicate names (409), unknown roles (404), bad permissions (400) and protects the defaults', async () => {
    await w.a.ok('POST', rolesPath, { headers: w.dev.headers, body: { name: 'Unique' } });
    await w.a.fails('POST', rolesPath, 409, 'CB_ERR_ROLE_EXISTS', {
      headers: w.dev.headers,
      body: { name: 'Unique' },
    });
    await w.a.fails('POST', rolesPath, 409, 'CB_ERR_ROLE_EXISTS', {
      headers: w.dev.headers,
      body: { name: 'Authenticated' },
    });
    await w.a.fails('PUT', rolesPath, 404, 'CB_ERR_ROLE_UNKNOWN', {
      headers: w.dev.headers,
      body: { id: 'nope', changes: {} },
    });
    await w.a.fails('DELETE', `${rolesPath}?role=nope`, 404, 'CB_ERR_ROLE_UNKNOWN', {
      headers: w.dev.headers,
    });
    await w.a.fails('DELETE', rolesPath, 400, 'CB_ERR_IDENTITY_BAD_FIELD', { headers: w.dev.headers });
    await w.a.fails('DELETE', `${rolesPath}?role=Authenticated`, 400, 'CB_ERR_ROLE_PROTECTED', {
      headers: w.dev.headers,
    });
    await w.a.fails('PUT', rolesPath, 400, 'CB_ERR_ROLE_PROTECTED', {
      headers: w.dev.headers,
      body: { id: 'Anonymous', name: 'Guests' },
    });
    await w.a.fails('PUT', rolesPath, 400, 'CB_ERR_HTTP_BAD_REQUEST', {
      headers: w.dev.headers,
      body: { id: 'Unique', changes: { topics: [{ itemInfo: { name: 'x' }, permissions: 99 }] } },
    });
    await w.a.fails('PUT', rolesPath, 400, 'CB_ERR_IDENTITY_BAD_FIELD', {
      headers: w.dev.headers,
      body: { id: 'Unique', changes: { topics: [{ itemInfo: { name: 'a/#/b' }, permissions: 1 }] } },
    });
    await w.a.fails('PUT', rolesPath, 400, 'CB_ERR_HTTP_BAD_REQUEST', {
      headers: w.dev.headers,
      body: { id: 'Unique', changes: { dashboards: { permissions: 1 } } },
    });
    const unique = w.tp.platform.identity.role(w.sys.systemKey, 'Unique');
    expect(unique.permissions.items).to.deep.equal({});
  });

  it('applies role changes to the next check and removes a deleted role from its members', async () => {
    const u = await newUser(w.a, w.sys, 'acl@x');
    const p = w.tp.platform.identity.verifyToken(u.token);
    const id = w.tp.platform.identity;
    expect(id.topicAllowed(p, w.sys.systemKey, 'plant/1/temp', 'publish')).to.equal(false);
    const role = await w.a.ok<{ role_id: string }>('POST', rolesPath, {
      headers: w.dev.headers,
      body: { name: 'Plant', topics: [{ itemInfo: { name: 'plant/#' }, permissions: 2 }] },
    });
    const changes: string[] = [];
    const off = w.tp.platform.events.on('roles.changed', (e) => changes.push(e.systemKey));
    try {
      await w.a.ok('PUT', `/admin/user/${w.sys.systemKey}`, {
        headers: w.dev.headers,
        body: { user: u.userId, changes: { roles: { add: ['Plant'] } } },
      });
      expect(id.topicAllowed(p, w.sys.systemKey, 'plant/1/temp', 'publish')).to.equal(true);
      expect(id.topicAllowed(p, w.sys.systemKey, 'plant/1/temp', 'subscribe')).to.equal(false);
      await w.a.ok('PUT', rolesPath, {
        headers: w.dev.headers,
        body: { id: role.role_id, changes: { topics: [{ itemInfo: { name: 'plant/#' }, permissions: 3 }] } },
      });
      expect(id.topicAllowed(p, w.sys.systemKey, 'plant/+/temp', 'subscribe')).to.equal(true);
      await w.a.ok('DELETE', `${rolesPath}?role=${role.role_id}`, { headers: w.dev.headers });
      expect(id.topicAllowed(p, w.sys.systemKey, 'plant/1/temp', 'publish')).to.equal(false);
      expect(id.rolesOf(w.sys.systemKey, 'user', u.userId).map((r) => r.id)).to.deep.equal(['Authenticated']);
    } finally {
      off();
    }
    expect(changes.length).to.be.greaterThanOrEqual(3);
  });

  it('gives Administrator every non-$ topic, every service and history', async () => {
    const u = await newUser(w.a, w.sys, 'boss@x');
    await w.a.ok('PUT', `/admin/user/${w.sys.systemKey}`, {
      headers: w.dev.headers,
      body: { user: u.userId, changes: { roles: { add: ['Administrator'] } } },
    });
    const id = w.tp.platform.identity;
    const p = id.verifyToken(u.token);
    expect(id.topicAllowed(p, w.sys.systemKey, 'any/topic', 'publish')).to.equal(true);
    expect(id.topicAllowed(p, w.sys.systemKey, '#', 'subscribe')).to.equal(true);
    expect(id.serviceAllowed(p, w.sys.systemKey, 'Anything')).to.equal(true);
    expect(id.msgHistoryLevel(p, w.sys.systemKey)).to.equal(15);
  });
});
