import { expect } from 'chai';
import { rmSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IsobarError } from '../../../runtime-api/errors/index.js';
import { createManualClock } from '../../../services/kernel/clock.js';
import { createMemoryLog } from '../../../services/kernel/log.js';
import { createDeployments } from '../../../services/edges/deploy.js';
import { createSyncNotifier } from '../../../services/edges/notifications.js';
import { createEdgeRegistry } from '../../../services/edges/registry.js';
import { edgeRoutes } from '../../../services/edges/routes.js';
import type { Principal } from '../../../services/identity/types.js';
import type { RestAuth } from '../../../services/rest/auth.js';
import { createHttpApp } from '../../../services/rest/server.js';
import { createStore, type Store } from '../../../services/store/index.js';
import { tempDataDir } from '../../helpers/platform.js';

const dev: Principal = { kind: 'developer', id: 'd', name: 'dev', systemKey: null, token: 'T', expiresAt: 0 };

/** Developer token "T" owns system "sk"; nothing else is allowed. */
function developerForSystem(req: FastifyRequest, systemKey: string): Principal {
  if (req.headers['clearblade-devtoken'] !== 'T')
    throw new IsobarError('CB_ERR_AUTH_MISSING_TOKEN', { header: 'ClearBlade-DevToken' });
  if (systemKey !== 'sk') throw new IsobarError('CB_ERR_SYSTEM_UNKNOWN', { systemKey });
  return dev;
}
const auth = { developerForSystem, caller: developerForSystem } as unknown as RestAuth;

describe('edges/routes', () => {
  let dir: string;
  let store: Store;
  let app: FastifyInstance;
  const published: Array<{ topic: string; body: unknown }> = [];
  const sent: unknown[] = [];

  beforeEach(async () => {
    dir = tempDataDir();
    store = await createStore({ dataDir: dir });
    const clock = createManualClock();
    const registry = createEdgeRegistry({ store, clock });
    await registry.load();
    const deployments = createDeployments({
      store,
      clock,
      log: createMemoryLog(),
      registry,
      notifier: createSyncNotifier((_sk, topic, payload) => {
        published.push({ topic, body: JSON.parse(payload) });
        return Promise.resolve();
      }),
      adapters: {
        service: {
          export: (_sk, id) =>
            id === 'svc'
              ? Promise.resolve({ code: 'function svc(req, resp) { resp.success(1) }' })
              : Promise.reject(
                  new IsobarError('CB_ERR_EDGE_ASSET_UNKNOWN', { asset_class: 'service', asset_id: id }),
                ),
          apply: () => Promise.resolve('create'),
          remove: () => Promise.resolve(),
        },
      },
      send: (_sk, _edge, _op, body) => {
        sent.push(body);
        return Promise.resolve();
      },
    });
    app = await createHttpApp({
      bodyLimit: 1 << 20,
      log: createMemoryLog(),
      routes: [edgeRoutes({ registry, deployments })],
      auth,
      healthy: () => true,
    });
  });
  afterEach(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    published.length = 0;
    sent.length = 0;
  });

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url, payload, headers: { 'ClearBlade-DevToken': 'T' } });

  it('creates an edge and shows its token only once', async () => {
    const created = await call('POST', '/admin/edges/sk/gw1', { description: 'line 1' });
    expect(created.statusCode).to.equal(200);
    const body = created.json<Record<string, unknown>>();
    expect(body).to.include({ name: 'gw1', edge_key: 'sk:gw1', isConnected: false, description: 'line 1' });
    expect(body.token).to.be.a('string');
    const got = (await call('GET', '/admin/edges/sk/gw1')).json<Record<string, unknown>>();
    expect(got).to.include({ name: 'gw1', isConnected: false, last_seen: null });
    expect(got).not.to.have.property('token');
    const list = (await call('GET', '/admin/edges/sk')).json<unknown[]>();
    expect(list).to.have.length(1);
    const viaBody = await call('POST', '/admin/edges/sk', { name: 'gw2' });
    expect(viaBody.json()).to.include({ name: 'gw2' });
  });

  it('answers stable codes for bad input', async () => {
    await call('POST', '/admin/edges/sk/gw1');
    const cases: Array<[Awaited<ReturnType<typeof call>>, number, string]> = [
      [await call('POST', '/admin/edges/sk/gw1'), 409, 'CB_ERR_EDGE_EXISTS'],
      [await call('GET', '/admin/edges/sk/ghost'), 404, 'CB_ERR_EDGE_UNKNOWN'],
      [await call('POST', '/admin/edges/sk/bad.name'), 400, 'CB_ERR_EDGE_BAD_NAME'],
      [await app.inject({ method: 'GET', url: '/admin/edges/sk' }), 401, 'CB_ERR_AUTH_MISSING_TOKEN'],
      [await call('PUT', '/admin/edges/sync/sk/ghost', { add: [] }), 404, 'CB_ERR_EDGE_UNKNOWN'],
      [
        await call('PUT', '/admin/edges/sync/sk/gw1', { add: [{ asset_class: 'widget', asset_id: 'x' }] }),
        400,
        'CB_ERR_HTTP_BAD_REQUEST',
      ],
      [
        await call('PUT', '/admin/edges/sync/sk/gw1', {
          add: [{ asset_class: 'service', asset_id: 'nope' }],
        }),
        404,
        'CB_ERR_EDGE_ASSET_UNKNOWN',
      ],
    ];
    for (const [res, status, code] of cases) {
      expect(res.statusCode, code).to.equal(status);
      expect(res.json(), code).to.include({ statusCode: status, code });
    }
    expect(published).to.deep.equal([
      { topic: '$notification/sync/generic_error', body: { table: 'edges', error: 'No edge named ghost' } },
    ]);
  });

  it('resets a token and deletes an edge', async () => {
    await call('POST', '/admin/edges/sk/gw1');
    const reset = (await call('PUT', '/admin/edges/sk/gw1', { reset_token: true })).json<
      Record<string, unknown>
    >();
    expect(reset.token).to.be.a('string');
    expect((await call('DELETE', '/admin/edges/sk/gw1')).json()).to.deep.equal({
      name: 'gw1',
      deleted: true,
    });
    expect((await call('GET', '/admin/edges/sk')).json()).to.deep.equal([]);
  });

  it('deploys assets to an edge and sends it the manifest', async () => {
    await call('POST', '/admin/edges/sk/gw1');
    const res = await call('PUT', '/admin/edges/sync/sk/gw1', {
      add: [{ def_module: 'service', def_name: 'svc' }],
    });
    expect(res.statusCode).to.equal(200);
    expect(res.json()).to.deep.equal([{ asset_class: 'service', asset_id: 'svc' }]);
    expect((await call('GET', '/admin/edges/sync/sk/gw1')).json()).to.deep.equal([
      { asset_class: 'service', asset_id: 'svc' },
    ]);
    expect(sent).to.have.length(1);
    expect(sent[0]).to.have.nested.property('assets[0].asset_id', 'svc');
    const removed = await call('POST', '/admin/edges/sync/sk/gw1', {
      remove: [{ asset_class: 'service', asset_id: 'svc' }],
    });
    expect(removed.json()).to.deep.equal([]);
    expect(sent[1]).to.deep.equal({ assets: [] });
  });
});
