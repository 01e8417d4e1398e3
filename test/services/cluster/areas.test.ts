// The change feed for the areas beyond identity, code and automation (services/cluster/README.md
// "Synced areas"): three whole platforms in one process on one redis-server and one PostgreSQL database.
// Each change is made on A and observed on B (or C) after B's reload (the feed's event, never a poll);
// shared-cache entries are one view on every node (Redis), with the bounds of one node.
import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { TestPlatform } from '../../helpers/platform.js';
import { startPostgres, startRedis, type TestPostgres, type TestRedis } from '../../helpers/servers.js';
import { startNode, syncedOn } from './helpers.js';

/** The error code a rejected promise carries. */
async function codeOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  throw new Error('expected a rejection');
}

describe('services/cluster: history, collections, caches, allow-lists, libraries and switches across nodes', function () {
  this.timeout(60000);
  let redis: TestRedis;
  let pg: TestPostgres;
  let raw: Redis;
  let a: TestPlatform;
  let b: TestPlatform;
  let c: TestPlatform;
  let systemKey: string;
  let devToken: string;

  before(async () => {
    [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
    const databaseUrl = await pg.createDatabase();
    const bounds = { 'cache.maxEntries': 3, 'cache.maxValueBytes': 64 };
    // A first (it creates the admin developer and the Default system), then B and C beside it.
    a = await startNode('a', redis.url, databaseUrl, bounds);
    [b, c] = await Promise.all([
      startNode('b', redis.url, databaseUrl, bounds),
      startNode('c', redis.url, databaseUrl, bounds),
    ]);
    const dev = await a.platform.identity.loginDeveloper('admin@test.local', 'admin-pass-1');
    devToken = dev.token;
    const developer = await a.platform.identity.developerByEmail('admin@test.local');
    systemKey = a.platform.identity.systemsOf(developer?.id ?? '')[0]?.systemKey ?? '';
    raw = new Redis(redis.url);
  });
  after(async () => {
    raw?.disconnect();
    for (const tp of [a, b, c]) await tp?.close({ removeData: true });
    await Promise.all([redis?.stop(), pg?.stop()]);
  });

  it('applies history storage and auto-delete settings made on A on B', async () => {
    const history = b.platform.history.settings;
    await a.platform.history.settings.setStorage(systemKey, [{ topic: 'keep/#', max_rows: 5, max_time: 0 }]);
    await syncedOn(b, systemKey, 'storage filters', () => history.storage(systemKey)[0]?.topic === 'keep/#');
    expect(history.filterFor(systemKey, 'keep/1')?.max_rows).to.equal(5);
    expect(history.filterFor(systemKey, 'other')).to.equal(undefined);
    const autodelete = { enabled: true, max_size_kb: 0, max_rows: 100, expiration_age_seconds: 60 };
    await a.platform.history.settings.setAutodelete(systemKey, autodelete);
    await syncedOn(b, systemKey, 'autodelete', () => history.autodelete(systemKey).enabled);
    expect(history.autodelete(systemKey)).to.deep.equal(autodelete);
  });

  it('shows on B a collection created on A, its new column, and forgets it once removed on A', async () => {
    const apiA = a.platform.collections.api;
    const apiB = b.platform.collections.api;
    const has = () => apiB.list(systemKey).some((x) => x.name === 'Readings');
    const created = await apiA.create(systemKey, 'Readings', [{ name: 'celsius', type: 'float' }]);
    await syncedOn(b, systemKey, 'collection Readings', has);
    await apiA.insert(created, { celsius: 21.5 });
    const onB = apiB.byName(systemKey, 'Readings');
    expect((await apiB.fetch(onB, {})).DATA.map((r) => r.celsius)).to.deep.equal([21.5]);

    await apiA.addColumn(apiA.byName(systemKey, 'Readings'), 'room', 'string');
    await syncedOn(b, systemKey, 'column room', () => apiB.byName(systemKey, 'Readings').schema.has('room'));
    // B writes the new column: without the reload it would refuse it (CB_ERR_DATA_UNKNOWN_COLUMN).
    await apiB.insert(apiB.byName(systemKey, 'Readings'), { celsius: 19, room: 'hall' });
    expect((await apiA.count(apiA.byName(systemKey, 'Readings'), {})).count).to.equal(2);

    await apiA.remove(apiA.byName(systemKey, 'Readings'));
    await syncedOn(b, systemKey, 'collection removed', () => !has());
    expect(() => apiB.byName(systemKey, 'Readings'))
      .to.throw()
      .with.property('code', 'CB_ERR_DATA_UNKNOWN_COLLECTION');
  });

  it('lists on B and C a cache defined on A, and drops it (and its entries) once deleted on A', async () => {
    await a.platform.cache.caches.create(systemKey, { name: 'gone', ttl: 0 });
    for (const tp of [b, c]) {
      await syncedOn(tp, systemKey, 'cache gone', () =>
        tp.platform.cache.caches.list(systemKey).some((d) => d.name === 'gone'),
      );
    }
    await b.platform.cache.entries.set(systemKey, 'gone', 'k', '1', undefined, false);
    expect(await raw.exists(`isobar:cache:${systemKey}:gone:k`)).to.equal(1);
    await a.platform.cache.caches.delete(systemKey, 'gone');
    await syncedOn(b, systemKey, 'cache deleted', () => b.platform.cache.caches.list(systemKey).length === 0);
    expect(await codeOf(b.platform.cache.entries.get(systemKey, 'gone', 'k'))).to.equal(
      'CB_ERR_CACHE_UNKNOWN',
    );
    // A created it again: it starts empty (the deletion on A dropped the entries in Redis).
    await a.platform.cache.caches.create(systemKey, { name: 'gone' });
    await syncedOn(b, systemKey, 'cache again', () => b.platform.cache.caches.list(systemKey).length === 1);
    expect(await b.platform.cache.entries.get(systemKey, 'gone', 'k')).to.equal(undefined);
    await a.platform.cache.caches.delete(systemKey, 'gone');
  });

  it('shares cache entries between nodes: set on A is read on B and C, setnx on B sees it, delete on C clears it', async () => {
    await a.platform.cache.caches.create(systemKey, { name: 'shared', ttl: 0 });
    for (const tp of [b, c]) {
      await syncedOn(tp, systemKey, 'cache shared', () =>
        tp.platform.cache.caches.list(systemKey).some((d) => d.name === 'shared'),
      );
    }
    const [ea, eb, ec] = [a, b, c].map((tp) => tp.platform.cache.entries);
    await ea.set(systemKey, 'shared', 'x', '"from a"', undefined, false);
    expect(await eb.get(systemKey, 'shared', 'x')).to.equal('"from a"');
    expect(await ec.get(systemKey, 'shared', 'x')).to.equal('"from a"');
    expect(await eb.set(systemKey, 'shared', 'x', '"from b"', undefined, true)).to.equal(false);
    expect(await eb.set(systemKey, 'shared', 'y', '"from b"', undefined, true)).to.equal(true);
    expect(await ea.getAll(systemKey, 'shared')).to.deep.equal({ x: '"from a"', y: '"from b"' });
    await ec.delete(systemKey, 'shared', 'x');
    expect(await ea.get(systemKey, 'shared', 'x')).to.equal(undefined);
    await eb.flush(systemKey, 'shared');
    expect(await ec.getAll(systemKey, 'shared')).to.deep.equal({});
  });

  it('keeps the bounds of one node across nodes: entry count, value size, the ttl as PX', async () => {
    const [ea, eb, ec] = [a, b, c].map((tp) => tp.platform.cache.entries);
    await eb.flush(systemKey, 'shared');
    await ea.set(systemKey, 'shared', 'k1', '1', undefined, false);
    await eb.set(systemKey, 'shared', 'k2', '2', undefined, false);
    await ec.set(systemKey, 'shared', 'k3', '3', undefined, false);
    // maxEntries 3, counted cluster-wide: a fourth key on any node is refused, an existing key may change.
    expect(await codeOf(ea.set(systemKey, 'shared', 'k4', '4', undefined, false))).to.equal(
      'CB_ERR_CACHE_FULL',
    );
    expect(await codeOf(eb.setMultiple(systemKey, 'shared', [['k4', '4']], undefined))).to.equal(
      'CB_ERR_CACHE_FULL',
    );
    await ec.set(systemKey, 'shared', 'k1', '11', undefined, false);
    expect(await ea.get(systemKey, 'shared', 'k1')).to.equal('11');
    expect(
      await codeOf(ea.set(systemKey, 'shared', 'big', JSON.stringify('x'.repeat(64)), undefined, false)),
    ).to.equal('CB_ERR_CACHE_VALUE_TOO_LARGE');
    await ea.flush(systemKey, 'shared');
    await ea.setMultiple(
      systemKey,
      'shared',
      [
        ['t1', '1'],
        ['t2', '2'],
      ],
      30,
    );
    await eb.set(systemKey, 'shared', 'forever', '0', undefined, false);
    const ttl = await raw.pttl(`isobar:cache:${systemKey}:shared:t1`);
    expect(ttl).to.be.greaterThan(0).and.at.most(30_000);
    expect(await raw.pttl(`isobar:cache:${systemKey}:shared:forever`)).to.equal(-1);
    expect(await raw.zcard(`isobar:cache:${systemKey}:shared`)).to.equal(3);
  });

  it('lets a service on B read what a service on A put in ClearBlade.Cache', async () => {
    await a.platform.cache.entries.flush(systemKey, 'shared');
    const code = (name: string, body: string) =>
      a.platform.code.registry.create(systemKey, name, {
        code: `function ${name}(req, resp) { var cache = ClearBlade.Cache('shared'); ${body} }`,
      });
    await code(
      'PutIt',
      `cache.set('greeting', {text: req.params.text}, function (err, data) { if (err) resp.error(data); else resp.success(data); });`,
    );
    await code(
      'GetIt',
      `cache.get('greeting', function (err, data) { if (err) resp.error(data); else resp.success(data); });`,
    );
    await syncedOn(
      b,
      systemKey,
      'service GetIt',
      () => b.platform.code.registry.find(systemKey, 'GetIt') !== undefined,
    );
    const call = async (tp: TestPlatform, name: string, body: unknown) => {
      const res = await fetch(`${tp.url}/api/v/1/code/${systemKey}/${name}`, {
        method: 'POST',
        headers: { 'ClearBlade-DevToken': devToken, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).to.equal(200);
      return ((await res.json()) as { results: unknown }).results;
    };
    expect(await call(a, 'PutIt', { text: 'hello from a' })).to.equal('Set done');
    expect(await call(b, 'GetIt', {})).to.deep.equal({ text: 'hello from a' });
  });

  it('applies an outbound-HTTP allow-list set on A on B', async () => {
    await a.platform.outboundHttp.allowlists.set(systemKey, ['127.0.0.1', 'api.example.com']);
    const lists = b.platform.outboundHttp.allowlists;
    await syncedOn(b, systemKey, 'allow-list', () => lists.entries(systemKey).length === 2);
    expect(lists.admits(systemKey, 'localhost', '127.0.0.1')).to.equal(true);
    await a.platform.outboundHttp.allowlists.set(systemKey, []);
    await syncedOn(b, systemKey, 'empty allow-list', () => lists.entries(systemKey).length === 0);
    expect(lists.admits(systemKey, 'localhost', '127.0.0.1')).to.equal(false);
  });

  it('sees on B a library edited on A that no service uses, and its removal', async () => {
    const libsA = a.platform.code.libraries;
    const libsB = b.platform.code.libraries;
    const version = () => libsB.list(systemKey).find((l) => l.name === 'Helpers')?.version;
    await libsA.create(systemKey, 'Helpers', { code: 'function helper() { return 1; }' });
    await syncedOn(b, systemKey, 'library Helpers', () => version() === 1);
    await libsA.update(systemKey, 'Helpers', { code: 'function helper() { return 2; }' });
    await syncedOn(b, systemKey, 'library Helpers v2', () => version() === 2);
    expect(libsB.get(systemKey, 'Helpers').code).to.contain('return 2');
    await libsA.remove(systemKey, 'Helpers');
    await syncedOn(b, systemKey, 'library removed', () => version() === undefined);
  });

  it("applies a service's logging switch and log level changed on A (no new version) on B", async () => {
    const onB = () => b.platform.code.registry.find(systemKey, 'GetIt')?.record;
    expect(onB()?.logging_enabled).to.equal(false);
    await a.platform.code.registry.setLogging(systemKey, 'GetIt', true);
    await syncedOn(b, systemKey, 'logging on', () => onB()?.logging_enabled === true);
    await a.platform.code.registry.setLogLevel(systemKey, 'GetIt', 'debug');
    await syncedOn(b, systemKey, 'log level', () => onB()?.log_level === 'debug');
    expect(onB()?.current_version).to.equal(
      a.platform.code.registry.get(systemKey, 'GetIt').record.current_version,
    );
  });
});
