// ClearBlade's query object against real items, one row per case: each operator, OR groups, SORT, paging
// with TOTAL, SELECTCOLUMNS, and the stable code for a bad operator. Runs over REST (/api/v/1/data/{id}).
import { expect } from 'chai';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';
import { api, type Api, type Headers } from '../identity/helpers.js';

const ITEMS = [
  { sensor: 'alpha', value: 1 },
  { sensor: 'beta', value: 2 },
  { sensor: 'gamma', value: 3 },
  { sensor: 'delta', value: 4 },
];

interface Case {
  readonly name: string;
  readonly query: Record<string, unknown>;
  /** Sensors answered, in order when the query sorts, else compared as a set. */
  readonly sensors: readonly string[];
  readonly total?: number;
}

const f = (op: string, column: string, value: unknown) => ({ [op]: [{ [column]: value }] });
const SORTED = [{ ASC: 'value' }];

const CASES: readonly Case[] = [
  { name: 'EQ', query: { FILTERS: [[f('EQ', 'sensor', 'beta')]] }, sensors: ['beta'] },
  { name: 'NEQ', query: { FILTERS: [[f('NEQ', 'sensor', 'beta')]] }, sensors: ['alpha', 'gamma', 'delta'] },
  { name: 'GT', query: { FILTERS: [[f('GT', 'value', 2)]] }, sensors: ['gamma', 'delta'] },
  { name: 'GTE', query: { FILTERS: [[f('GTE', 'value', 2)]] }, sensors: ['beta', 'gamma', 'delta'] },
  { name: 'LT', query: { FILTERS: [[f('LT', 'value', 2)]] }, sensors: ['alpha'] },
  { name: 'LTE', query: { FILTERS: [[f('LTE', 'value', 2)]] }, sensors: ['alpha', 'beta'] },
  { name: 'RE', query: { FILTERS: [[f('RE', 'sensor', '^[ab]')]] }, sensors: ['alpha', 'beta'] },
  { name: 'IN', query: { FILTERS: [[f('IN', 'value', [1, 4])]] }, sensors: ['alpha', 'delta'] },
  { name: 'LIKE', query: { FILTERS: [[f('LIKE', 'sensor', '%ta')]] }, sensors: ['beta', 'delta'] },
  {
    name: 'AND within a group',
    query: { FILTERS: [[f('GT', 'value', 1), f('LT', 'value', 4)]] },
    sensors: ['beta', 'gamma'],
  },
  {
    name: 'OR groups',
    query: { FILTERS: [[f('EQ', 'sensor', 'alpha')], [f('EQ', 'sensor', 'delta')]] },
    sensors: ['alpha', 'delta'],
  },
  { name: 'SORT DESC', query: { SORT: [{ DESC: 'value' }] }, sensors: ['delta', 'gamma', 'beta', 'alpha'] },
  {
    name: 'paging: page 2 of size 3, TOTAL counts every match',
    query: { SORT: SORTED, PAGESIZE: 3, PAGENUM: 2 },
    sensors: ['delta'],
    total: 4,
  },
  {
    name: 'paging with a filter',
    query: { FILTERS: [[f('GT', 'value', 1)]], SORT: SORTED, PAGESIZE: 1, PAGENUM: 1 },
    sensors: ['beta'],
    total: 3,
  },
];

describe('collections: the query object, case by case', () => {
  let tp: TestPlatform;
  let a: Api;
  let user: Headers;
  let path: string;
  const fetch = (query: unknown) =>
    a.ok<{ DATA: Array<Record<string, unknown>>; TOTAL: number }>(
      'GET',
      `${path}?query=${encodeURIComponent(JSON.stringify(query))}`,
      { headers: user },
    );

  before(async () => {
    tp = await startTestPlatform();
    a = api(tp.url);
    const { identity } = tp.platform;
    const dev = {
      'ClearBlade-DevToken': (await identity.loginDeveloper('admin@test.local', 'admin-pass-1')).token,
    };
    const d = await identity.developerByEmail('admin@test.local');
    const systemKey = (await identity.createSystem(d?.id ?? '', { name: 'query' })).systemKey;
    const { collectionID } = await a.ok<{ collectionID: string }>('POST', '/admin/collectionmanagement', {
      headers: dev,
      body: { name: 'readings', appID: systemKey },
    });
    for (const [name, type] of [
      ['sensor', 'string'],
      ['value', 'int'],
    ]) {
      await a.ok('PUT', '/admin/collectionmanagement', {
        headers: dev,
        body: { id: collectionID, addColumn: { name, type } },
      });
    }
    const u = await identity.registerUser(systemKey, 'q@x.io', 'pw-123456');
    const role = await identity.createRole(systemKey, {
      name: 'q',
      changes: { allcollections: { permissions: 15 } },
    });
    await identity.changeRoles(systemKey, 'user', u.user_id, { add: [role.id] });
    user = { 'ClearBlade-UserToken': (await identity.loginUser(systemKey, 'q@x.io', 'pw-123456')).token };
    path = `/api/v/1/data/${collectionID}`;
    await a.ok('POST', path, { headers: user, body: ITEMS });
  });
  after(async () => {
    await tp.close({ removeData: true });
  });

  for (const c of CASES) {
    it(`answers ${c.name}`, async () => {
      const got = await fetch(c.query);
      const sensors = got.DATA.map((d) => d.sensor);
      if (c.query.SORT === undefined) expect(sensors).to.have.members([...c.sensors]);
      else expect(sensors).to.deep.equal(c.sensors);
      expect(got.TOTAL).to.equal(c.total ?? c.sensors.length);
    });
  }

  it('answers only SELECTCOLUMNS', async () => {
    const got = await fetch({ FILTERS: [[f('EQ', 'sensor', 'gamma')]], SELECTCOLUMNS: ['value'] });
    expect(got.DATA).to.deep.equal([{ value: 3 }]);
  });

  for (const op of ['BETWEEN', 'eq ', '$where']) {
    it(`refuses the operator ${JSON.stringify(op)} with CB_ERR_DATA_BAD_OPERATOR`, async () => {
      await a.fails(
        'GET',
        `${path}?query=${encodeURIComponent(JSON.stringify({ FILTERS: [[f(op, 'value', 1)]] }))}`,
        400,
        'CB_ERR_DATA_BAD_OPERATOR',
        { headers: user },
      );
    });
  }

  it('refuses a wrong value type in a filter and a non-array IN with CB_ERR_DATA_* codes', async () => {
    const q = (query: unknown) => `${path}?query=${encodeURIComponent(JSON.stringify(query))}`;
    const bad = await a.call<{ code?: string }>('GET', q({ FILTERS: [[f('IN', 'value', 1)]] }), {
      headers: user,
    });
    expect(bad.status).to.equal(400);
    expect(bad.body)
      .to.have.property('code')
      .that.matches(/^CB_ERR_DATA_/);
  });
});
