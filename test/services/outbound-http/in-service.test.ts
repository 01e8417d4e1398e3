// Shared caches and outbound HTTP from inside a real service, over REST, with real isolates.
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { codeWorld, type CodeWorld } from '../code/world.js';

describe('ClearBlade.Cache, Requests() and fetch inside a service', () => {
  let w: CodeWorld;
  let server: Server;
  let port: number;
  before(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url, method: req.method }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    w = await codeWorld({ overrides: { 'cache.maxValueBytes': 100 } });
    const push = (name: string, code: string) =>
      w.http('POST', `/admin/code/v/1/${w.systemKey}/${name}`, { body: { code }, token: w.devToken });
    await push(
      'Counter',
      `function Counter(req, resp) {
        var cache = ClearBlade.Cache('state');
        cache.get('n', function (err, n) {
          if (err) resp.error(n);
          cache.set('n', (n || 0) + 1, function (err2) {
            if (err2) resp.error('set');
            cache.set('big', 'x'.repeat(500), function (err3, msg) { resp.success({ n: (n || 0) + 1, big: msg }); });
          });
        });
      }`,
    );
    await push(
      'Caller',
      `function Caller(req, resp) {
        Requests().get({ uri: req.params.uri, qs: { a: 1 } }, function (err, body) {
          if (err) resp.error(err);
          resp.success(JSON.parse(body));
        });
      }`,
    );
    await push(
      'Fetcher',
      `async function Fetcher(req, resp) {
        const r = await fetch(req.params.uri, { method: 'POST', body: 'x' });
        resp.success({ status: r.status, type: r.headers.get('content-type'), json: await r.json() });
      }`,
    );
  });
  after(async () => {
    await w.close();
    server.close();
  });
  const run = (name: string, params: unknown = {}) =>
    w.http('POST', `/api/v/1/code/${w.systemKey}/${name}`, { body: params, token: w.devToken });

  it('keeps state between runs in a cache, and a too-large value reaches the callback with its code', async () => {
    const created = await w.http('POST', `/admin/v/4/service_caches/${w.systemKey}/state`, {
      body: { ttl: 60 },
      token: w.devToken,
    });
    expect(created.body).to.include({ name: 'state', ttl: 60 });
    const first = await run('Counter');
    const second = await run('Counter');
    expect(first.body.results).to.have.property('n', 1);
    expect(second.body.results).to.have.property('n', 2);
    expect(String((second.body.results as { big: string }).big)).to.match(/^CB_ERR_CACHE_VALUE_TOO_LARGE:/);
  });

  it('an unknown cache answers CB_ERR_CACHE_UNKNOWN over REST', async () => {
    const r = await w.http('GET', `/admin/v/4/service_caches/${w.systemKey}/nope`, { token: w.devToken });
    expect(r.status).to.equal(404);
    expect(r.body.code).to.equal('CB_ERR_CACHE_UNKNOWN');
  });

  it('refuses a loopback endpoint until the allow-list admits it, then reaches it with Requests() and fetch', async () => {
    const uri = `http://127.0.0.1:${port}/reading`;
    const refused = await run('Caller', { uri });
    expect(refused.body.success).to.equal(false);
    expect(refused.body.results).to.have.property('code', 'CB_ERR_OUTBOUND_DISALLOWED_HOST');
    const set = await w.http('PUT', `/admin/v/4/http_allowlist/${w.systemKey}`, {
      body: { entries: ['127.0.0.1/32'] },
      token: w.devToken,
    });
    expect(set.body).to.deep.equal({ entries: ['127.0.0.1/32'] });
    const ok = await run('Caller', { uri });
    expect(ok.body.results).to.deep.equal({ path: '/reading?a=1', method: 'GET' });
    const fetched = await run('Fetcher', { uri });
    expect(fetched.body.results).to.deep.equal({
      status: 200,
      type: 'application/json',
      json: { path: '/reading', method: 'POST' },
    });
  });

  it('refuses a bad allow-list entry with CB_ERR_OUTBOUND_BAD_ALLOWLIST', async () => {
    const r = await w.http('PUT', `/admin/v/4/http_allowlist/${w.systemKey}`, {
      body: { entries: ['10.0.0.0/99'] },
      token: w.devToken,
    });
    expect(r.status).to.equal(400);
    expect(r.body.code).to.equal('CB_ERR_OUTBOUND_BAD_ALLOWLIST');
  });
});
