// User-level devices (reference Appendix A): `/api/v/2/devices/{sk}[/{name}]` and
// `/api/v/3/devices/{sk}/count|columns`, governed by the caller's `devices` list right.
import { expect } from 'chai';
import { newUser, createRole, changeUser, useSystemWorld, type Headers } from '../helpers.js';

describe('identity REST: user-level devices', () => {
  const w = useSystemWorld();
  let allowed: Headers;
  let refused: Headers;
  before(async () => {
    await createRole(w, { name: 'DeviceAdmins', devices: { permissions: 15 } });
    const admin = await newUser(w.a, w.sys, 'devadmin@test.local');
    await changeUser(w, admin.userId, { roles: { add: ['DeviceAdmins'] } });
    allowed = admin.headers;
    refused = (await newUser(w.a, w.sys, 'plain@test.local')).headers;
  });

  const list = () => `/api/v/2/devices/${w.sys.systemKey}`;
  const one = (name: string) => `/api/v/2/devices/${w.sys.systemKey}/${name}`;
  const q = (filters: unknown) => `?query=${encodeURIComponent(JSON.stringify({ FILTERS: filters }))}`;

  it('creates, reads, changes and deletes one device with the devices right', async () => {
    const created = await w.a.ok<Record<string, unknown>>('POST', one('pump-1'), {
      headers: allowed,
      body: { active_key: 'pump-key-1', type: 'pump', site: 'north' },
    });
    expect(created).to.include({ name: 'pump-1', type: 'pump', site: 'north' });
    expect(await w.a.ok('GET', one('pump-1'), { headers: allowed })).to.include({ name: 'pump-1' });
    const changed = await w.a.ok('PUT', one('pump-1'), { headers: allowed, body: { state: 'on' } });
    expect(changed).to.include({ state: 'on', site: 'north' });
    await w.a.ok('DELETE', one('pump-1'), { headers: allowed });
    await w.a.fails('GET', one('pump-1'), 404, 'CB_ERR_DEVICE_UNKNOWN', { headers: allowed });
  });

  it('refuses every device call to a user without the devices right (403 CB_ERR_AUTH_FORBIDDEN)', async () => {
    await w.a.ok('POST', `/admin/devices/${w.sys.systemKey}/fan-1`, { headers: w.dev.headers, body: {} });
    const calls: Array<[string, string, unknown]> = [
      ['GET', list(), undefined],
      ['PUT', list(), { query: {}, $set: { state: 'x' } }],
      ['DELETE', list(), undefined],
      ['GET', `/api/v/3/devices/${w.sys.systemKey}/count`, undefined],
      ['GET', `/api/v/3/devices/${w.sys.systemKey}/columns`, undefined],
      ['GET', one('fan-1'), undefined],
      ['POST', one('fan-2'), {}],
      ['PUT', one('fan-1'), { state: 'x' }],
      ['DELETE', one('fan-1'), undefined],
    ];
    for (const [method, path, body] of calls) {
      await w.a.fails(method, path, 403, 'CB_ERR_AUTH_FORBIDDEN', { headers: refused, body });
    }
    expect(
      await w.a.ok('GET', `/admin/devices/${w.sys.systemKey}/fan-1`, { headers: w.dev.headers }),
    ).to.not.have.property('state', 'x');
    await w.a.ok('DELETE', `/admin/devices/${w.sys.systemKey}/fan-1`, { headers: w.dev.headers });
  });

  it('lists, counts, updates by {query, $set} and deletes by query', async () => {
    for (const [name, type] of [
      ['t-1', 'thermo'],
      ['t-2', 'thermo'],
      ['v-1', 'valve'],
    ]) {
      await w.a.ok('POST', one(name), { headers: allowed, body: { type } });
    }
    const thermos = [[{ EQ: [{ type: 'thermo' }] }]];
    const rows = await w.a.ok<Array<{ name: string }>>('GET', `${list()}${q(thermos)}`, { headers: allowed });
    expect(rows.map((r) => r.name).sort()).to.deep.equal(['t-1', 't-2']);
    const count = await w.a.ok('GET', `/api/v/3/devices/${w.sys.systemKey}/count${q(thermos)}`, {
      headers: allowed,
    });
    expect(count).to.deep.equal({ count: 2 });
    const updated = await w.a.ok<{ DATA: Array<{ name: string; state: string }> }>('PUT', list(), {
      headers: allowed,
      body: { query: { FILTERS: thermos }, $set: { state: 'hot' } },
    });
    expect(updated.DATA.map((d) => d.state)).to.deep.equal(['hot', 'hot']);
    const valve = await w.a.ok('GET', one('v-1'), { headers: allowed });
    expect(valve).to.include({ state: '' });
    expect(await w.a.ok('DELETE', `${list()}${q(thermos)}`, { headers: allowed })).to.deep.equal({
      count: 2,
    });
    const left = await w.a.ok<Array<{ name: string }>>('GET', list(), { headers: allowed });
    expect(left.map((r) => r.name)).to.deep.equal(['v-1']);
  });

  it('answers a bad query with 400 CB_ERR_IDENTITY_BAD_QUERY', async () => {
    await w.a.fails(
      'GET',
      `${list()}?query=${encodeURIComponent('{"FILTERS":[[{"BOGUS":[]}]]}')}`,
      400,
      'CB_ERR_IDENTITY_BAD_QUERY',
      {
        headers: allowed,
      },
    );
  });

  it('answers the columns: fixed ones first with name as key, then custom ones', async () => {
    await w.a.ok('POST', one('col-1'), { headers: allowed, body: { floor: 3, label: 'x' } });
    const cols = await w.a.ok<Array<{ ColumnName: string; ColumnType: string; PK: boolean }>>(
      'GET',
      `/api/v/3/devices/${w.sys.systemKey}/columns`,
      { headers: allowed },
    );
    expect(cols[0]).to.deep.equal({ ColumnName: 'name', ColumnType: 'string', PK: true });
    expect(cols).to.deep.include({ ColumnName: 'floor', ColumnType: 'int', PK: false });
    expect(cols).to.deep.include({ ColumnName: 'label', ColumnType: 'string', PK: false });
  });

  it('lets a device read itself and change its state, but not its key, without the devices right', async () => {
    await w.a.ok('POST', `/admin/devices/${w.sys.systemKey}/self-1`, {
      headers: w.dev.headers,
      body: { active_key: 'self-key-1' },
    });
    const { deviceToken } = await w.a.ok<{ deviceToken: string }>(
      'POST',
      `/api/v/2/devices/${w.sys.systemKey}/auth`,
      {
        body: { deviceName: 'self-1', activeKey: 'self-key-1' },
      },
    );
    const me = { 'ClearBlade-DeviceToken': deviceToken };
    expect(await w.a.ok('GET', one('self-1'), { headers: me })).to.include({ name: 'self-1' });
    expect(await w.a.ok('PUT', one('self-1'), { headers: me, body: { state: 'idle' } })).to.include({
      state: 'idle',
    });
    await w.a.fails('PUT', one('self-1'), 403, 'CB_ERR_AUTH_FORBIDDEN', {
      headers: me,
      body: { active_key: 'another-key-2' },
    });
    await w.a.fails('GET', one('col-1'), 403, 'CB_ERR_AUTH_FORBIDDEN', { headers: me });
  });

  it('serves developers on the user paths', async () => {
    const rows = await w.a.ok<unknown[]>('GET', list(), { headers: w.dev.headers });
    expect(rows.length).to.be.greaterThan(0);
  });

  it('keeps POST /api/v/2/devices/{sk}/auth the device login', async () => {
    await w.a.fails('POST', `/api/v/2/devices/${w.sys.systemKey}/auth`, 400, 'CB_ERR_HTTP_BAD_REQUEST', {
      headers: allowed,
      body: {},
    });
  });

  it('lists every route in the OpenAPI document with its error responses', async () => {
    const doc = await w.a.ok<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>('GET', '/openapi.json');
    const sk = '{systemKey}';
    for (const [path, methods] of [
      [`/api/v/2/devices/${sk}`, ['get', 'put', 'delete']],
      [`/api/v/2/devices/${sk}/{name}`, ['get', 'post', 'put', 'delete']],
      [`/api/v/3/devices/${sk}/count`, ['get']],
      [`/api/v/3/devices/${sk}/columns`, ['get']],
    ] as const) {
      for (const m of methods) {
        expect(doc.paths[path]?.[m]?.responses, `${m} ${path}`).to.include.keys('200', '4XX');
      }
    }
  });
});
