// The `servicecaches` role right (reference §6) decides what a service a user runs may do with a cache:
// the service (saved by a developer) acts as its caller, so the caller's role is what is checked — read (1)
// for get/getAll, create/update (2/4) for set, delete (8) for delete/flush.
import { expect } from 'chai';
import { codeWorld, type CodeWorld } from '../code/world.js';

const SERVICE = `function CacheUser(req, resp) {
  var cache = ClearBlade.Cache('shared');
  var op = req.params.op;
  if (op === 'get') cache.get('k', function (err, v) { err ? resp.error(v) : resp.success({ v: v === undefined ? null : v }); });
  if (op === 'set') cache.set('k', req.params.v, function (err, msg) { err ? resp.error(msg) : resp.success(msg); });
  if (op === 'flush') cache.flush(function (err, msg) { err ? resp.error(msg) : resp.success('flushed'); });
}`;

describe('cache: the servicecaches right of the user a service runs for', function () {
  this.timeout(20000);
  let w: CodeWorld;
  beforeEach(async () => {
    w = await codeWorld();
    await w.devOk('POST', `/admin/code/v/1/${w.systemKey}/CacheUser`, { code: SERVICE });
    await w.devOk('POST', `/admin/v/4/service_caches/${w.systemKey}/shared`, { ttl: 60 });
  });
  afterEach(() => w.close());

  const asUser = (params: Record<string, unknown>) =>
    w.http('POST', `/api/v/1/code/${w.systemKey}/CacheUser`, {
      body: params,
      token: w.userToken,
      header: 'ClearBlade-UserToken',
    });
  const canRun = { services: [{ itemInfo: { name: 'CacheUser' }, permissions: 1 }] };

  it('refuses every cache call of a user whose role lacks the right, with CB_ERR_CACHE_FORBIDDEN', async () => {
    await w.grant({ ...canRun, servicecaches: [] });
    for (const op of ['get', 'set', 'flush']) {
      const r = await asUser({ op, v: 1 });
      expect(r.status).to.equal(200);
      expect(r.body.success, op).to.equal(false);
      expect(String(r.body.results), op).to.match(/^CB_ERR_CACHE_FORBIDDEN:/);
    }
  });

  it('answers a user whose role holds read and write on the cache, and still refuses flush (delete bit)', async () => {
    await w.grant({ ...canRun, servicecaches: [{ itemInfo: { name: 'shared' }, permissions: 7 }] });
    expect((await asUser({ op: 'set', v: 42 })).body).to.deep.include({ success: true, results: 'Set done' });
    expect((await asUser({ op: 'get' })).body).to.deep.include({ success: true, results: { v: 42 } });
    const flush = await asUser({ op: 'flush' });
    expect(String(flush.body.results)).to.match(/^CB_ERR_CACHE_FORBIDDEN:/);
  });

  it('a read-only right gets but may not set, and taking the right away refuses the next run', async () => {
    await w.grant({ ...canRun, servicecaches: [{ itemInfo: { name: 'shared' }, permissions: 1 }] });
    expect((await asUser({ op: 'get' })).body).to.deep.include({ success: true, results: { v: null } });
    expect(String((await asUser({ op: 'set', v: 1 })).body.results)).to.match(/^CB_ERR_CACHE_FORBIDDEN:/);
    // ClearBlade's role update: an item at permissions 0 takes its right away.
    await w.grant({ ...canRun, servicecaches: [{ itemInfo: { name: 'shared' }, permissions: 0 }] });
    expect(String((await asUser({ op: 'get' })).body.results)).to.match(/^CB_ERR_CACHE_FORBIDDEN:/);
  });
});
