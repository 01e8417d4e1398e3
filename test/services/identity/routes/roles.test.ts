import { expect } from 'chai';
import type { RoleRead } from '../../../../bin/cli/roles.js';
import { newUser, useSystemWorld } from '../helpers.js';
import { as } from './caller.js';

describe('identity REST: roles', () => {
  const w = useSystemWorld();
  let rolesPath: string;
  before(async () => {
    rolesPath = `/admin/user/${w.sys.systemKey}/roles`;
  });

  it('creates a role from the write shape and reads it back in the read shape', async () => {
    const dev = as(w.a, w.dev);
    const created = await dev.ok<{ role_id: string }>('POST', rolesPath, {
      name: 'Operators',
      description: 'ops',
      collections: [],
      topics: [{ itemInfo: { name: 'sensors/#' }, permissions: 1 }],
      services: [{ itemInfo: { name: 'HelloWorld' }, permissions: 1 }],
      msgHistory: { permissions: 9 },
      servicecaches: [],
      externaldatabases: [],
    });
    expect(created.role_id).to.match(/^[0-9a-f]{30}$/);
    const roles = await dev.ok<RoleRead[]>('GET', rolesPath, {});
    const r = roles.find((x) => x.ID === created.role_id);
    expect(r).to.include({ Name: 'Operators', Description: 'ops' });
    expect(r?.Permissions.Topics).to.deep.equal([{ Name: 'sensors/#', Level: 1 }]);
    expect(r?.Permissions.CodeServices).to.deep.equal([
      { Name: 'HelloWorld', Level: 1, SystemKey: w.sys.systemKey },
    ]);
    expect(r?.Permissions.MsgHistory).to.deep.equal({ Level: 9 });
    expect(r?.Permissions.AllServices).to.deep.equal({ Level: 0 });
    expect(await dev.ok('GET', `${rolesPath}/count`)).to.deep.equal({ count: 4 });
  });

  it('updates by id or name: items upserted, level 0 removes, list rights set', async () => {
    const dev = as(w.a, w.dev);
    await dev.ok('POST', rolesPath, {
      name: 'Editable',
      topics: [{ itemInfo: { name: 'a/b' }, permissions: 3 }],
    });
    const r = await dev.ok<RoleRead>('PUT', rolesPath, {
      id: 'Editable',
      changes: {
        topics: [
          { itemInfo: { name: 'a/b' }, permissions: 0 },
          { itemInfo: { name: 'c/+' }, permissions: 2 },
        ],
        allservices: { permissions: 1 },
        users: { permissions: 1 },
      },
    });
    expect(r.Permissions.Topics).to.deep.equal([{ Name: 'c/+', Level: 2 }]);
    expect(r.Permissions.AllServices).to.deep.equal({ Level: 1 });
    expect(r.Permissions.UsersList).to.deep.equal({ Level: 1 });
    const renamed = await dev.ok<RoleRead>('PUT', rolesPath, { id: r.ID, name: 'Edited' });
    expect(renamed.Name).to.equal('Edited');
  });

  it('refuses duplicate names (409), unknown roles (404), bad permissions (400) and protects the defaults', async () => {
    const dev = as(w.a, w.dev);
    await dev.ok('POST', rolesPath, { name: 'Unique' });
    await dev.fails('POST', rolesPath, 409, 'CB_ERR_ROLE_EXISTS', { name: 'Unique' });
    await dev.fails('POST', rolesPath, 409, 'CB_ERR_ROLE_EXISTS', { name: 'Authenticated' });
    await dev.fails('PUT', rolesPath, 404, 'CB_ERR_ROLE_UNKNOWN', { id: 'nope', changes: {} });
    await dev.fails('DELETE', `${rolesPath}?role=nope`, 404, 'CB_ERR_ROLE_UNKNOWN');
    await dev.fails('DELETE', rolesPath, 400, 'CB_ERR_IDENTITY_BAD_FIELD');
    await dev.fails('DELETE', `${rolesPath}?role=Authenticated`, 400, 'CB_ERR_ROLE_PROTECTED');
    await dev.fails('PUT', rolesPath, 400, 'CB_ERR_ROLE_PROTECTED', { id: 'Anonymous', name: 'Guests' });
    await dev.fails('PUT', rolesPath, 400, 'CB_ERR_HTTP_BAD_REQUEST', {
      id: 'Unique',
      changes: { topics: [{ itemInfo: { name: 'x' }, permissions: 99 }] },
    });
    await dev.fails('PUT', rolesPath, 400, 'CB_ERR_IDENTITY_BAD_FIELD', {
      id: 'Unique',
      changes: { topics: [{ itemInfo: { name: 'a/#/b' }, permissions: 1 }] },
    });
    await dev.fails('PUT', rolesPath, 400, 'CB_ERR_HTTP_BAD_REQUEST', {
      id: 'Unique',
      changes: { dashboards: { permissions: 1 } },
    });
    const unique = w.tp.platform.identity.role(w.sys.systemKey, 'Unique');
    expect(unique.permissions.items).to.deep.equal({});
  });

  it('applies role changes to the next check and removes a deleted role from its members', async () => {
    const dev = as(w.a, w.dev);
    const u = await newUser(w.a, w.sys, 'acl@x');
    const p = w.tp.platform.identity.verifyToken(u.token);
    const id = w.tp.platform.identity;
    expect(id.topicAllowed(p, w.sys.systemKey, 'plant/1/temp', 'publish')).to.equal(false);
    const role = await dev.ok<{ role_id: string }>('POST', rolesPath, {
      name: 'Plant',
      topics: [{ itemInfo: { name: 'plant/#' }, permissions: 2 }],
    });
    const changes: string[] = [];
    const off = w.tp.platform.events.on('roles.changed', (e) => changes.push(e.systemKey));
    try {
      await dev.ok('PUT', `/admin/user/${w.sys.systemKey}`, {
        user: u.userId,
        changes: { roles: { add: ['Plant'] } },
      });
      expect(id.topicAllowed(p, w.sys.systemKey, 'plant/1/temp', 'publish')).to.equal(true);
      expect(id.topicAllowed(p, w.sys.systemKey, 'plant/1/temp', 'subscribe')).to.equal(false);
      await dev.ok('PUT', rolesPath, {
        id: role.role_id,
        changes: { topics: [{ itemInfo: { name: 'plant/#' }, permissions: 3 }] },
      });
      expect(id.topicAllowed(p, w.sys.systemKey, 'plant/+/temp', 'subscribe')).to.equal(true);
      await dev.ok('DELETE', `${rolesPath}?role=${role.role_id}`);
      expect(id.topicAllowed(p, w.sys.systemKey, 'plant/1/temp', 'publish')).to.equal(false);
      expect(id.rolesOf(w.sys.systemKey, 'user', u.userId).map((r) => r.id)).to.deep.equal(['Authenticated']);
    } finally {
      off();
    }
    expect(changes.length).to.be.greaterThanOrEqual(3);
  });

  it('gives Administrator every non-$ topic, every service and history', async () => {
    const dev = as(w.a, w.dev);
    const u = await newUser(w.a, w.sys, 'boss@x');
    await dev.ok('PUT', `/admin/user/${w.sys.systemKey}`, {
      user: u.userId,
      changes: { roles: { add: ['Administrator'] } },
    });
    const id = w.tp.platform.identity;
    const p = id.verifyToken(u.token);
    expect(id.topicAllowed(p, w.sys.systemKey, 'any/topic', 'publish')).to.equal(true);
    expect(id.topicAllowed(p, w.sys.systemKey, '#', 'subscribe')).to.equal(true);
    expect(id.serviceAllowed(p, w.sys.systemKey, 'Anything')).to.equal(true);
    expect(id.msgHistoryLevel(p, w.sys.systemKey)).to.equal(15);
  });
});
