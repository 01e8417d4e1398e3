import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { createManualClock } from '../../../services/kernel/clock.js';
import { createMemoryLog } from '../../../services/kernel/log.js';
import { assetRef, createDeployApplier, type ApplyResult } from '../../../services/edges/deploy.js';
import { createStore, type Store } from '../../../services/store/index.js';
import { tempDataDir } from '../../helpers/platform.js';

describe('edges/deploy: applying manifests on an edge', () => {
  let dir: string;
  let store: Store;
  const applied: string[] = [];
  const results: ApplyResult[] = [];

  beforeEach(async () => {
    dir = tempDataDir();
    store = await createStore({ dataDir: dir });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    applied.length = 0;
    results.length = 0;
  });

  const applier = () =>
    createDeployApplier({
      store,
      clock: createManualClock(),
      log: createMemoryLog(),
      systemKey: 'sk',
      edgeName: 'e1',
      report: (r) => results.push(r),
      adapters: {
        service: {
          export: () => Promise.reject(new Error('not on the edge')),
          apply(_sk, id, def) {
            if (String(def.code).includes('syntax error'))
              return Promise.reject(new Error('Unexpected token (1:9)'));
            applied.push(`service/${id}`);
            return Promise.resolve('create');
          },
          remove(_sk, id) {
            applied.push(`-service/${id}`);
            return Promise.resolve();
          },
        },
        library: {
          export: () => Promise.reject(new Error('not on the edge')),
          apply(_sk, id) {
            applied.push(`library/${id}`);
            return Promise.resolve('create');
          },
          remove: () => Promise.resolve(),
        },
      },
    });

  const item = (asset_class: string, asset_id: string, code: string) => ({
    asset_class,
    asset_id,
    hash: code,
    definition: { code },
  });

  it('applies libraries before services, reports each result, and skips what is unchanged', async () => {
    const a = applier();
    await a.apply({ assets: [item('service', 's1', 'v1'), item('library', 'lib', 'l1')] });
    expect(applied).to.deep.equal(['library/lib', 'service/s1']);
    expect(results.map((r) => `${r.asset_id}:${r.event}:${String(r.ok)}`)).to.deep.equal([
      'lib:create:true',
      's1:create:true',
    ]);
    await a.apply({ assets: [item('service', 's1', 'v2'), item('library', 'lib', 'l1')] });
    expect(applied.slice(2)).to.deep.equal(['service/s1']);
    expect(results[2]).to.include({ asset_id: 's1', event: 'update', ok: true });
  });

  it('reports an asset that fails to apply and keeps going', async () => {
    await applier().apply({
      assets: [item('service', 'bad', 'function bad( { syntax error'), item('service', 'good', 'ok')],
    });
    expect(results).to.have.length(2);
    expect(results[0]).to.include({ asset_class: 'service', asset_id: 'bad', event: 'create', ok: false });
    expect(results[0].message).to.contain('Unexpected token');
    expect(results[1]).to.include({ asset_id: 'good', ok: true });
  });

  it('removes assets no longer listed', async () => {
    const a = applier();
    await a.apply({ assets: [item('service', 's1', 'v1')] });
    await a.apply({ assets: [] });
    expect(applied).to.deep.equal(['service/s1', '-service/s1']);
    expect(results[1]).to.include({ asset_id: 's1', event: 'delete', ok: true });
  });

  it('reads ClearBlade and Isobar spellings of an asset and refuses others', () => {
    expect(assetRef({ def_module: 'Code', def_name: 'x' })).to.deep.equal({
      asset_class: 'service',
      asset_id: 'x',
    });
    expect(assetRef({ asset_class: 'timer', asset_id: 't' })).to.deep.equal({
      asset_class: 'timer',
      asset_id: 't',
    });
    expect(() => assetRef({ asset_class: 'collection', asset_id: 'c' }))
      .to.throw()
      .with.property('code', 'CB_ERR_EDGE_BAD_ASSET');
    expect(() => assetRef({ asset_class: 'service' }))
      .to.throw()
      .with.property('code', 'CB_ERR_EDGE_BAD_ASSET');
  });
});
