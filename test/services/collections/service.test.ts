// Collections from inside a service (ClearBlade.Collection / Query / Item through the collection.* bridge
// ops, in a real isolate) and the Data triggers: an item write fires a trigger that runs a service.
import { expect } from 'chai';
import { ECHO_SERVICE, messages, useRig } from '../automation/rig.js';

const CRUD_SERVICE = `function crud(req, resp) {
  var col = ClearBlade.Collection({ collectionName: 'readings' });
  var out = {};
  col.create([{ sensor: 'a', value: 1 }, { sensor: 'b', value: 2 }, { sensor: 'c', value: 3 }], function (err, data) {
    if (err) resp.error('create: ' + data);
    out.created = data.length;
  });
  var q = ClearBlade.Query({ collectionName: 'readings' });
  q.greaterThan('value', 1).descending('value');
  q.fetch(function (err, data) {
    if (err) resp.error('fetch: ' + data);
    out.fetched = data.DATA.map(function (d) { return d.sensor; });
    out.total = data.TOTAL;
  });
  var upd = ClearBlade.Query();
  upd.equalTo('sensor', 'a');
  col.update(upd, { value: 10 }, function (err, data) {
    if (err) resp.error('update: ' + data);
    out.updated = data.count;
  });
  var either = ClearBlade.Query().equalTo('sensor', 'a').or(ClearBlade.Query().equalTo('sensor', 'b'));
  col.fetch(either, function (err, data) { out.either = data.TOTAL; });
  col.remove(ClearBlade.Query().matches('sensor', '^[bc]$'), function (err, data) {
    if (err) resp.error('remove: ' + data);
    out.removed = data.count;
  });
  col.fetch(function (err, data) { out.left = data.DATA.map(function (d) { return [d.sensor, d.value]; }); });
  col.fetch(ClearBlade.Query().equalTo('nope', 1), function (err, data) { out.badColumn = err === true; });
  resp.success(out);
}`;

describe('collections from services and Data triggers', () => {
  const rig = useRig('test');
  let colId: string;

  beforeEach(async () => {
    colId = (
      (await rig.dev.call('POST', '/admin/collectionmanagement', { name: 'readings', appID: rig.sk })) as {
        collectionID: string;
      }
    ).collectionID;
    await rig.dev.call('PUT', '/admin/collectionmanagement', {
      id: colId,
      addColumn: { name: 'sensor', type: 'string' },
    });
    await rig.dev.call('PUT', '/admin/collectionmanagement', {
      id: colId,
      addColumn: { name: 'value', type: 'int' },
    });
  });

  it('lets a service create, query, update and remove items with the callback API', async () => {
    await rig.createService('crud', CRUD_SERVICE);
    const answer = (await rig.dev.call('POST', `/api/v/1/code/${rig.sk}/crud`, {})) as {
      success: boolean;
      results: Record<string, unknown>;
    };
    expect(answer.success, JSON.stringify(answer)).to.equal(true);
    expect(answer.results).to.deep.equal({
      created: 3,
      fetched: ['c', 'b'],
      total: 2,
      updated: 1,
      either: 2,
      removed: 2,
      left: [['a', 10]],
      badColumn: true,
    });
  });

  it('refuses a service running as a user without rights on the collection', async () => {
    await rig.createService('crud', CRUD_SERVICE);
    await rig.grant({ services: [{ itemInfo: { name: 'crud' }, permissions: 1 }] });
    const user = await rig.createUser('nor@x.io');
    const res = await fetch(`${rig.tp.url}/api/v/1/code/${rig.sk}/crud`, {
      method: 'POST',
      headers: { 'ClearBlade-UserToken': user.token, 'Content-Type': 'application/json' },
      body: '{}',
    });
    const body = (await res.json()) as { success: boolean; results: unknown };
    expect(body.success).to.equal(false);
    expect(String(body.results)).to.match(/create: Invalid Permissions/);
  });

  it('runs an ItemCreated trigger filtered on the collection name with {collectionId, collectionName, items}', async () => {
    await rig.createService('echo', ECHO_SERVICE);
    await rig.dev.call('POST', `/admin/triggers/handlers/${rig.sk}/onItem`, {
      def_module: 'Data',
      def_name: 'ItemCreated',
      key_value_pairs: { collectionName: 'readings' },
      service_name: 'echo',
    });
    await rig.dev.call('POST', `/admin/triggers/handlers/${rig.sk}/onDelete`, {
      def_module: 'Data',
      def_name: 'ItemDeleted',
      key_value_pairs: { collectionId: colId },
      service_name: 'echo',
    });
    const watcher = await rig.mqtt(rig.devToken, 'data-watcher');
    await watcher.subscribeAsync('echo/#');
    const got = messages(watcher, 2, (t) => t.startsWith('echo/Data/'), 10_000, true);
    const created = (await rig.dev.call('POST', `/api/v/1/collection/${rig.sk}/readings`, {
      sensor: 'z',
      value: 5,
    })) as Array<{
      item_id: string;
    }>;
    await rig.dev.call('DELETE', `/api/v/1/collection/${rig.sk}/readings`);
    const byTopic = new Map((await got).map((m) => [m.topic, m.json]));
    expect(byTopic.get('echo/Data/ItemCreated')).to.deep.equal({
      collectionId: colId,
      collectionName: 'readings',
      items: [{ item_id: created[0].item_id }],
      trigger: 'Data::ItemCreated',
    });
    expect(byTopic.get('echo/Data/ItemDeleted')).to.deep.include({
      collectionId: colId,
      items: [{ item_id: created[0].item_id }],
      trigger: 'Data::ItemDeleted',
    });
  });
});
