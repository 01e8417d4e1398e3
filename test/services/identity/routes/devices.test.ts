import { expect } from 'chai';
import { newSystem, useSystemWorld } from '../helpers.js';

describe('identity REST: devices', () => {
  const w = useSystemWorld();

  const path = (name: string) => `/admin/devices/${w.sys.systemKey}/${name}`;
  const login = (name: string, key: string, headers: Record<string, string> = {}) =>
    w.a.call<{ deviceToken: string; code?: string }>('POST', `/api/v/2/devices/${w.sys.systemKey}/auth`, {
      headers,
      body: { deviceName: name, activeKey: key },
    });

  it('creates a device (PY body shape) that holds Authenticated and never shows its key', async () => {
    const d = await w.a.ok<Record<string, unknown>>('POST', path('pump-1'), {
      headers: w.dev.headers,
      body: {
        name: 'pump-1',
        active_key: 'key-one-1',
        allow_certificate_auth: false,
        allow_key_auth: true,
        certificate: '',
        description: 'a pump',
        enabled: true,
        keys: 'key-one-1',
        state: 'on',
        type: 'pump',
        site: 'north',
      },
    });
    expect(d).to.include({
      name: 'pump-1',
      type: 'pump',
      state: 'on',
      description: 'a pump',
      site: 'north',
      enabled: true,
    });
    expect(d.device_key).to.equal(`${w.sys.systemKey} :: pump-1`);
    expect(JSON.stringify(d)).to.not.include('key-one-1');
    const roles = await w.a.ok<{ roles: Array<{ ID: string }> }>(
      'GET',
      `/admin/devices/roles/${w.sys.systemKey}/pump-1`,
      {
        headers: w.dev.headers,
      },
    );
    expect(roles.roles.map((r) => r.ID)).to.deep.equal(['Authenticated']);
  });

  it('authenticates with no key/secret headers (PY) and with them (GO); tokens work in DeviceToken and UserToken', async () => {
    await w.a.ok('POST', path('dev-a'), { headers: w.dev.headers, body: { active_key: 'secret-a-1' } });
    const bare = await login('dev-a', 'secret-a-1');
    expect(bare.status).to.equal(200);
    expect(bare.body.deviceToken).to.match(/^[A-Za-z0-9_-]{82}==$/);
    const go = await login('dev-a', 'secret-a-1', w.sys.headers);
    expect(go.status).to.equal(200);
    const p = w.tp.platform.identity.verifyToken(go.body.deviceToken);
    expect(p).to.include({ kind: 'device', id: 'dev-a', systemKey: w.sys.systemKey });
    // The REST auth accepts a device token in ClearBlade-UserToken too (Node SDK useUser trick).
    expect(
      await w.a.ok('POST', '/api/v/1/user/checkauth', {
        headers: { 'ClearBlade-UserToken': go.body.deviceToken },
      }),
    ).to.deep.equal({ is_authenticated: true });
    expect(
      await w.a.ok('POST', '/api/v/1/user/checkauth', {
        headers: { 'ClearBlade-DeviceToken': go.body.deviceToken },
      }),
    ).to.deep.equal({ is_authenticated: true });
  });

  it('refuses a wrong key, an unknown device, a disabled device and a wrong secret', async () => {
    await w.a.ok('POST', path('dev-b'), {
      headers: w.dev.headers,
      body: { active_key: 'key-b-001', enabled: false },
    });
    expect((await login('dev-b', 'key-b-001')).body.code).to.equal('CB_ERR_AUTH_BAD_CREDENTIALS');
    expect((await login('dev-b', 'wrong')).body.code).to.equal('CB_ERR_AUTH_BAD_CREDENTIALS');
    expect((await login('nobody', 'key-b-001')).body.code).to.equal('CB_ERR_AUTH_BAD_CREDENTIALS');
    const bad = await login('dev-b', 'key-b-001', { 'ClearBlade-SystemSecret': 'NOPE' });
    expect(bad.status).to.equal(401);
    expect(bad.body.code).to.equal('CB_ERR_SYSTEM_BAD_SECRET');
    await w.a.fails('POST', `/api/v/2/devices/${w.sys.systemKey}/auth`, 400, 'CB_ERR_HTTP_BAD_REQUEST', {
      body: { deviceName: 'dev-b' },
    });
    await w.a.fails('POST', '/api/v/2/devices/ffffffffffff/auth', 404, 'CB_ERR_SYSTEM_UNKNOWN', {
      body: { deviceName: 'dev-b', activeKey: 'key-b-001' },
    });
  });

  it('refuses a duplicate name with 409 and answers 404 for unknown devices', async () => {
    await w.a.ok('POST', path('twin'), { headers: w.dev.headers, body: { active_key: 'device-key-1' } });
    await w.a.fails('POST', path('twin'), 409, 'CB_ERR_DEVICE_EXISTS', {
      headers: w.dev.headers,
      body: { active_key: 'device-key-1' },
    });
    await w.a.fails('GET', path('ghost'), 404, 'CB_ERR_DEVICE_UNKNOWN', { headers: w.dev.headers });
    await w.a.fails('PUT', path('ghost'), 404, 'CB_ERR_DEVICE_UNKNOWN', {
      headers: w.dev.headers,
      body: { state: 'x' },
    });
    await w.a.fails('DELETE', path('ghost'), 404, 'CB_ERR_DEVICE_UNKNOWN', { headers: w.dev.headers });
    await w.a.fails('PUT', `/admin/devices/roles/${w.sys.systemKey}/ghost`, 404, 'CB_ERR_DEVICE_UNKNOWN', {
      headers: w.dev.headers,
      body: { add: ['Administrator'] },
    });
    await w.a.fails('POST', path('typed'), 400, 'CB_ERR_HTTP_BAD_REQUEST', {
      headers: w.dev.headers,
      body: { enabled: 'maybe' },
    });
  });

  it('reads, lists, updates and deletes', async () => {
    const s = await newSystem(w.a, w.dev, 'Devices');
    const p = (n: string) => `/admin/devices/${s.systemKey}/${n}`;
    await w.a.ok('POST', p('a'), { headers: w.dev.headers, body: { active_key: 'device-key-1', type: 'x' } });
    await w.a.ok('POST', p('b'), { headers: w.dev.headers, body: { active_key: 'device-key-1', type: 'y' } });
    const list = await w.a.ok<Array<{ name: string }>>('GET', `/admin/devices/${s.systemKey}`, {
      headers: w.dev.headers,
    });
    expect(list.map((d) => d.name)).to.deep.equal(['a', 'b']);
    const q = encodeURIComponent(JSON.stringify({ FILTERS: [[{ EQ: [{ type: 'y' }] }]] }));
    const filtered = await w.a.ok<Array<{ name: string }>>(
      'GET',
      `/admin/devices/${s.systemKey}?query=${q}`,
      {
        headers: w.dev.headers,
      },
    );
    expect(filtered.map((d) => d.name)).to.deep.equal(['b']);
    const changed = await w.a.ok('PUT', p('a'), {
      headers: w.dev.headers,
      body: { state: 'running', colour: 'red' },
    });
    expect(changed).to.include({ state: 'running', colour: 'red', type: 'x' });
    expect(await w.a.ok('GET', p('a'), { headers: w.dev.headers })).to.deep.equal(changed);
    await w.a.ok('DELETE', p('a'), { headers: w.dev.headers });
    await w.a.fails('GET', p('a'), 404, 'CB_ERR_DEVICE_UNKNOWN', { headers: w.dev.headers });
  });

  it('revokes the device’s tokens on a key change, on disable and on delete', async () => {
    const revoked: string[] = [];
    const off = w.tp.platform.events.on('tokens.revoked', (e) => revoked.push(...e.tokens));
    try {
      for (const n of ['r1', 'r2', 'r3'])
        await w.a.ok('POST', path(n), { headers: w.dev.headers, body: { active_key: 'device-key-1' } });
      const t1 = (await login('r1', 'device-key-1')).body.deviceToken;
      const t2 = (await login('r2', 'device-key-1')).body.deviceToken;
      const t3 = (await login('r3', 'device-key-1')).body.deviceToken;
      await w.a.ok('PUT', path('r1'), { headers: w.dev.headers, body: { active_key: 'device-key-2' } });
      await w.a.ok('PUT', path('r2'), { headers: w.dev.headers, body: { enabled: false } });
      await w.a.ok('DELETE', path('r3'), { headers: w.dev.headers });
      expect(revoked).to.include.members([t1, t2, t3]);
      expect(() => w.tp.platform.identity.verifyToken(t1))
        .to.throw()
        .with.property('code', 'CB_ERR_AUTH_INVALID_TOKEN');
      expect((await login('r1', 'device-key-1')).body.code).to.equal('CB_ERR_AUTH_BAD_CREDENTIALS');
      expect((await login('r1', 'device-key-2')).status).to.equal(200);
    } finally {
      off();
    }
  });

  it('adds and removes device roles by id or name', async () => {
    await w.a.ok('POST', path('roled'), { headers: w.dev.headers, body: { active_key: 'device-key-1' } });
    const role = await w.a.ok<{ role_id: string }>('POST', `/admin/user/${w.sys.systemKey}/roles`, {
      headers: w.dev.headers,
      body: { name: 'Sensors' },
    });
    const r = await w.a.ok<{ roles: Array<{ Name: string }> }>(
      'PUT',
      `/admin/devices/roles/${w.sys.systemKey}/roled`,
      {
        headers: w.dev.headers,
        body: { add: [role.role_id], delete: ['Authenticated'] },
      },
    );
    expect(r.roles.map((x) => x.Name)).to.deep.equal(['Sensors']);
    const byName = await w.a.ok<Array<{ Name: string }>>(
      'GET',
      `/admin/user/${w.sys.systemKey}/roles?device=roled`,
      {
        headers: w.dev.headers,
      },
    );
    expect(byName.map((x) => x.Name)).to.deep.equal(['Sensors']);
  });
});
