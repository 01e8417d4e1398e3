// Collections over REST on a real platform: developer management, items by id and by name, count and
// columns, role rights per collection and allcollections, stable error codes, injection stays data.
import { expect } from 'chai';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';
import { api, type Api, type Headers } from '../identity/helpers.js';

describe('collections REST', () => {
  let tp: TestPlatform;
  let a: Api;
  let dev: Headers;
  let systemKey: string;
  let colId: string;

  const userWith = async (email: string, changes?: Record<string, unknown>): Promise<Headers> => {
    const { identity } = tp.platform;
    const user = await identity.registerUser(systemKey, email, 'pw-123456');
    if (changes !== undefined) {
      const role = await identity.createRole(systemKey, { name: `r-${email}`, changes });
      await identity.changeRoles(systemKey, 'user', user.user_id, { add: [role.id] });
    }
    return { 'ClearBlade-UserToken': (await identity.loginUser(systemKey, email, 'pw-123456')).token };
  };

  beforeEach(async () => {
    tp = await startTestPlatform();
    a = api(tp.url);
    dev = {
      'ClearBlade-DevToken': (await tp.platform.identity.loginDeveloper('admin@test.local', 'admin-pass-1'))
        .token,
    };
    const d = await tp.platform.identity.developerByEmail('admin@test.local');
    systemKey = (await tp.platform.identity.createSystem(d?.id ?? '', { name: 'data' })).systemKey;
    colId = (
      await a.ok<{ collectionID: string }>('POST', '/admin/collectionmanagement', {
        headers: dev,
        body: { name: 'readings', appID: systemKey },
      })
    ).collectionID;
    for (const [name, type] of [
      ['sensor', 'string'],
      ['value', 'float'],
      ['count', 'int'],
      ['ok', 'bool'],
    ]) {
      await a.ok('PUT', '/admin/collectionmanagement', {
        headers: dev,
        body: { id: colId, addColumn: { name, type } },
      });
    }
  });
  afterEach(async () => {
    await tp.close({ removeData: true });
  });

  it('creates, lists, describes and deletes a collection as its developer', async () => {
    const info = await a.ok<{ name: string; schema: Array<{ ColumnName: string }> }>(
      'GET',
      `/admin/collectionmanagement?id=${colId}`,
      { headers: dev },
    );
    expect(info.name).to.equal('readings');
    expect(info.schema.map((c) => c.ColumnName)).to.deep.equal(['item_id', 'sensor', 'value', 'count', 'ok']);
    const all = await a.ok<Array<{ collectionID: string }>>(
      'GET',
      `/admin/allcollections?appid=${systemKey}`,
      { headers: dev },
    );
    expect(all.map((c) => c.collectionID)).to.deep.equal([colId]);
    await a.ok('PUT', '/admin/collectionmanagement', {
      headers: dev,
      body: { id: colId, deleteColumn: 'ok' },
    });
    const cols = await a.ok<Array<{ ColumnName: string }>>('GET', `/api/v/1/data/${colId}/columns`, {
      headers: { ...dev, 'ClearBlade-SystemKey': systemKey },
    });
    expect(cols.map((c) => c.ColumnName)).to.not.include('ok');
    await a.ok('DELETE', `/admin/collectionmanagement?id=${colId}`, { headers: dev });
    await a.fails('GET', `/admin/collectionmanagement?id=${colId}`, 404, 'CB_ERR_DATA_UNKNOWN_COLLECTION', {
      headers: dev,
    });
  });

  it('refuses a duplicate name, a bad column type and a bad column name with stable codes', async () => {
    const body = { name: 'readings', appID: systemKey };
    await a.fails('POST', '/admin/collectionmanagement', 409, 'CB_ERR_DATA_COLLECTION_EXISTS', {
      headers: dev,
      body,
    });
    await a.fails('PUT', '/admin/collectionmanagement', 400, 'CB_ERR_DATA_BAD_COLUMN_TYPE', {
      headers: dev,
      body: { id: colId, addColumn: { name: 'x', type: 'varchar(10)' } },
    });
    await a.fails('PUT', '/admin/collectionmanagement', 400, 'CB_ERR_DATA_BAD_NAME', {
      headers: dev,
      body: { id: colId, addColumn: { name: 'x"; DROP TABLE collections; --', type: 'string' } },
    });
  });

  it('creates many items, queries with filters, sort and paging, updates with {query, $set} and deletes by query', async () => {
    const user = await userWith('full@x.io', { allcollections: { permissions: 15 } });
    const path = `/api/v/1/collection/${systemKey}/readings`;
    const created = await a.ok<Array<{ item_id: string }>>('POST', path, {
      headers: user,
      body: [
        { sensor: 's1', value: 1.5, count: 1, ok: true },
        { sensor: 's2', value: 2.5, count: 2, ok: false },
        { sensor: 's3', value: 3.5, count: 3, ok: true },
      ],
    });
    expect(created).to.have.length(3);
    const q = { FILTERS: [[{ GT: [{ value: 2 }] }]], SORT: [{ DESC: 'value' }], PAGESIZE: 1, PAGENUM: 2 };
    const page = await a.ok<{ DATA: Array<Record<string, unknown>>; TOTAL: number; CURRENTPAGE: number }>(
      'GET',
      `/api/v/1/data/${colId}?query=${encodeURIComponent(JSON.stringify(q))}`,
      { headers: user },
    );
    expect(page.TOTAL).to.equal(2);
    expect(page.CURRENTPAGE).to.equal(2);
    expect(page.DATA).to.have.length(1);
    expect(page.DATA[0]).to.include({ sensor: 's2', value: 2.5, count: 2, ok: false });
    const upd = await a.ok<{ count: number }>('PUT', path, {
      headers: user,
      body: { query: [[{ EQ: [{ sensor: 's1' }] }]], $set: { count: 10 } },
    });
    expect(upd.count).to.equal(1);
    const cnt = await a.ok<{ count: number }>(
      'GET',
      `/api/v/2/collection/${systemKey}/readings/count?query=${encodeURIComponent(JSON.stringify({ FILTERS: [[{ GTE: [{ count: 3 }] }]] }))}`,
      { headers: user },
    );
    expect(cnt.count).to.equal(2);
    const del = await a.ok<{ count: number }>(
      'DELETE',
      `${path}?query=${encodeURIComponent(JSON.stringify({ FILTERS: [[{ EQ: [{ ok: true }] }]] }))}`,
      { headers: user },
    );
    expect(del.count).to.equal(2);
    const rest = await a.ok<{ DATA: Array<{ sensor: string }> }>('GET', path, { headers: user });
    expect(rest.DATA.map((d) => d.sensor)).to.deep.equal(['s2']);
  });

  it('gives a user only the rights its role grants on that collection', async () => {
    const reader = await userWith('reader@x.io', {
      collections: [{ itemInfo: { id: colId }, permissions: 1 }],
    });
    const nobody = await userWith('nobody@x.io');
    const path = `/api/v/1/data/${colId}`;
    await a.ok('GET', path, { headers: reader });
    await a.fails('POST', path, 403, 'CB_ERR_DATA_FORBIDDEN', { headers: reader, body: { sensor: 'x' } });
    await a.fails('GET', path, 403, 'CB_ERR_DATA_FORBIDDEN', { headers: nobody });
    const mine = await a.ok<unknown[]>('GET', `/api/v/3/allcollections/${systemKey}`, { headers: reader });
    expect(mine).to.have.length(1);
    expect(
      await a.ok<unknown[]>('GET', `/api/v/3/allcollections/${systemKey}`, { headers: nobody }),
    ).to.deep.equal([]);
  });

  it('answers 4xx with stable codes for an unknown collection, column, operator and a wrong value type', async () => {
    const user = await userWith('u@x.io', { allcollections: { permissions: 15 } });
    const path = `/api/v/1/data/${colId}`;
    const qs = (q: unknown) => `${path}?query=${encodeURIComponent(JSON.stringify(q))}`;
    await a.fails('GET', `/api/v/1/data/${'0'.repeat(32)}`, 404, 'CB_ERR_DATA_UNKNOWN_COLLECTION', {
      headers: user,
    });
    await a.fails('GET', qs({ FILTERS: [[{ EQ: [{ nope: 1 }] }]] }), 400, 'CB_ERR_DATA_UNKNOWN_COLUMN', {
      headers: user,
    });
    await a.fails('GET', qs({ FILTERS: [[{ BETWEEN: [{ value: 1 }] }]] }), 400, 'CB_ERR_DATA_BAD_OPERATOR', {
      headers: user,
    });
    await a.fails('POST', path, 400, 'CB_ERR_DATA_BAD_VALUE', { headers: user, body: { count: 'many' } });
    await a.fails('GET', `${path}?query=%7Bnot-json`, 400, 'CB_ERR_DATA_BAD_QUERY', { headers: user });
  });

  it('keeps injection attempts as data: quotes in values and column names never reach SQL as code', async () => {
    const user = await userWith('i@x.io', { allcollections: { permissions: 15 } });
    const path = `/api/v/1/data/${colId}`;
    const evil = "x'); DROP TABLE collections; --";
    await a.ok('POST', path, { headers: user, body: { sensor: evil } });
    const got = await a.ok<{ DATA: Array<{ sensor: string }> }>(
      'GET',
      `${path}?query=${encodeURIComponent(JSON.stringify({ FILTERS: [[{ EQ: [{ sensor: evil }] }]] }))}`,
      { headers: user },
    );
    expect(got.DATA.map((d) => d.sensor)).to.deep.equal([evil]);
    await a.fails(
      'GET',
      `${path}?query=${encodeURIComponent(JSON.stringify({ FILTERS: [[{ EQ: [{ 'sensor" OR 1=1 --': 'x' }] }]] }))}`,
      400,
      'CB_ERR_DATA_UNKNOWN_COLUMN',
      { headers: user },
    );
    // the catalogue table is still there
    await a.ok('GET', `/admin/collectionmanagement?id=${colId}`, { headers: dev });
  });
});
