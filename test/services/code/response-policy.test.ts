// DESIGN.md "Security model": a service's resp.status / resp.set cannot attack the API origin. Over real HTTP with the
// real engine: refused headers and statuses answer 502 with a stable code (never 500, never a hang) and
// nothing of what was refused reaches the wire.
import { expect } from 'chai';
import { checkResponse } from '../../../services/code/response-policy.js';
import { useCodeWorld } from './world.js';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

describe('code execute: what a service may put on its response', () => {
  const w = useCodeWorld();
  before(async () => {
    const push = w.saveService;
    await push(
      'SetHeaders',
      'function SetHeaders(req, resp) { resp.set(req.params.headers); resp.success({ ok: true }); }',
    );
    await push(
      'SetOne',
      'function SetOne(req, resp) { resp.set(req.params.name, req.params.value); resp.success(1); }',
    );
    await push(
      'SetStatus',
      'function SetStatus(req, resp) { resp.status(req.params.status); resp.success(2); }',
    );
    // Replaces the runtime's entry so the engine receives a hand-made outcome: the host must not trust it.
    // Only the strict-isolation prelude keeps its entry on the global object where a service can replace it.
    await push(
      'Forged',
      'globalThis.__isobarMain = function () { return JSON.stringify({ s: true, r: "1", st: 101, h: { "Set-Cookie": "sid=stolen" } }); };',
      { strict_isolation: true },
    );
    await push(
      'ForgedHeader',
      'globalThis.__isobarMain = function () { return JSON.stringify({ s: true, r: "1", h: { "X-A": "1\\r\\nSet-Cookie: sid=x" } }); };',
      { strict_isolation: true },
    );
  });

  async function run(name: string, params: unknown): Promise<Answer> {
    const res = await fetch(`${w.tp.url}/api/v/1/code/${w.systemKey}/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'ClearBlade-DevToken': w.devToken },
      body: JSON.stringify(params),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> };
  }

  const refusedHeaders: Array<[string, string]> = [
    ['Set-Cookie', 'sid=attacker; Path=/'],
    ['Location', 'https://evil.example/'],
    ['Refresh', '0; url=https://evil.example/'],
    ['Access-Control-Allow-Origin', 'https://evil.example'],
    ['Access-Control-Allow-Credentials', 'true'],
    ['Transfer-Encoding', 'chunked'],
    ['Content-Length', '3'],
    ['Connection', 'close'],
    ['Upgrade', 'websocket'],
    ['Content-Security-Policy', 'default-src *'],
    ['WWW-Authenticate', 'Basic realm="x"'],
    ['X-Forwarded-For', '10.0.0.1'],
    ['X-Accel-Redirect', '/internal/secret'],
    ['X-Content-Type-Options', 'none'],
    ['Content-Type', 'text/html'],
    ['Content-Type', 'application/json; charset=utf-16'],
    ['X-Note', 'a\r\nSet-Cookie: sid=x'],
    ['X-Note', 'nul\u0000byte'],
    ['X-Note', 'wide \u2603'],
    ['bad name', 'x'],
    ['X-Note:', 'x'],
    ['', 'x'],
  ];

  for (const [name, value] of refusedHeaders) {
    it(`refuses ${JSON.stringify(name)}: ${JSON.stringify(value)} with 502 CB_ERR_CODE_RESPONSE_HEADER`, async () => {
      const r = await run('SetOne', { name, value });
      expect(r.status).to.equal(502);
      expect(r.body).to.include({ statusCode: 502, code: 'CB_ERR_CODE_RESPONSE_HEADER' });
      expect(r.headers.get('set-cookie')).to.equal(null);
      expect(r.headers.get('location')).to.equal(null);
      expect(r.headers.get('content-type')).to.match(/^application\/json/);
    });
  }

  for (const status of [101, 100, 99, 0, 600, 1000, -1, 201.5, 'abc']) {
    it(`refuses resp.status(${JSON.stringify(status)}) with 502 CB_ERR_CODE_RESPONSE_STATUS, without hanging`, async () => {
      const r = await run('SetStatus', { status });
      expect(r.status).to.equal(502);
      expect(r.body).to.include({ code: 'CB_ERR_CODE_RESPONSE_STATUS' });
    });
  }

  it('passes statuses 200-599 with the envelope', async () => {
    for (const status of [200, 201, 304, 404, 418, 503, 599]) {
      const r = await fetch(`${w.tp.url}/api/v/1/code/${w.systemKey}/SetStatus`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'ClearBlade-DevToken': w.devToken },
        body: JSON.stringify({ status }),
        signal: AbortSignal.timeout(10_000),
      });
      expect(r.status, String(status)).to.equal(status);
      const text = await r.text();
      if (status !== 304)
        expect(JSON.parse(text), String(status)).to.deep.equal({ success: true, results: 2 });
    }
  });

  it('passes JSON content types, cache headers and custom x-* headers', async () => {
    const r = await run('SetHeaders', {
      headers: {
        'Content-Type': 'application/vnd.api+json; charset=utf-8',
        'Cache-Control': 'no-store',
        ETag: '"v1"',
        'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT',
        'Content-Language': 'en',
        'X-Device-Count': '42',
      },
    });
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.equal({ success: true, results: { ok: true } });
    expect(r.headers.get('content-type')).to.equal('application/vnd.api+json; charset=utf-8');
    expect(r.headers.get('cache-control')).to.equal('no-store');
    expect(r.headers.get('etag')).to.equal('"v1"');
    expect(r.headers.get('x-device-count')).to.equal('42');
    expect(r.headers.get('x-content-type-options')).to.equal('nosniff');
  });

  it('refuses more headers than the bound, and headers longer than the bound in all', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 40; i++) many[`X-H${i}`] = 'v';
    expect((await run('SetHeaders', { headers: many })).body).to.include({
      code: 'CB_ERR_CODE_RESPONSE_HEADER',
    });
    const long: Record<string, string> = {};
    for (let i = 0; i < 4; i++) long[`X-L${i}`] = 'v'.repeat(3000);
    expect((await run('SetHeaders', { headers: long })).body).to.include({
      code: 'CB_ERR_CODE_RESPONSE_HEADER',
    });
  });

  it('checks on the host: a service that forges the runtime outcome (status 101, Set-Cookie) gets 502', async () => {
    const r = await run('Forged', {});
    expect(r.status).to.equal(502);
    expect(r.body).to.include({ code: 'CB_ERR_CODE_RESPONSE_STATUS' });
    expect(r.headers.get('set-cookie')).to.equal(null);
    const h = await run('ForgedHeader', {});
    expect(h.body).to.include({ code: 'CB_ERR_CODE_RESPONSE_HEADER' });
    expect(h.headers.get('set-cookie')).to.equal(null);
  });

  it('keeps serving after refusals (the same connection pool, the next run)', async () => {
    await run('SetStatus', { status: 101 });
    await run('SetOne', { name: 'Transfer-Encoding', value: 'chunked' });
    expect((await run('SetStatus', { status: 200 })).body).to.deep.equal({ success: true, results: 2 });
  });
});

describe('checkResponse', () => {
  it('lower-cases names and keeps values', () => {
    expect(checkResponse(201, { 'X-Trace': 'abc', 'Cache-Control': 'max-age=5' })).to.deep.equal({
      status: 201,
      headers: { 'x-trace': 'abc', 'cache-control': 'max-age=5' },
    });
    expect(checkResponse(undefined, undefined)).to.deep.equal({ headers: {} });
  });

  it('throws IsobarErrors with the stable codes', () => {
    expect(() => checkResponse(101, undefined))
      .to.throw()
      .with.property('code', 'CB_ERR_CODE_RESPONSE_STATUS');
    expect(() => checkResponse(undefined, { 'Set-Cookie': 'a=b' }))
      .to.throw()
      .with.property('code', 'CB_ERR_CODE_RESPONSE_HEADER');
    expect(() => checkResponse(undefined, { 'X-Isobar-Node': 'a' }))
      .to.throw()
      .with.property('code', 'CB_ERR_CODE_RESPONSE_HEADER');
  });
});
