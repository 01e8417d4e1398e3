// Bodies as ClearBlade reads them (reference §1.3), over real HTTP with exactly the bytes and headers the
// SDKs send: node:http, because the project's REST client always labels its bodies application/json.
import { request } from 'node:http';
import { expect } from 'chai';
import { parseFormBody, parseLenientJson } from '../../../services/rest/bodies.js';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';
import { api, devLogin, newSystem, newUser, type TestSystem } from '../identity/helpers.js';

interface Raw {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** One request with exactly these headers and body bytes (no Content-Type unless given). */
function raw(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
        });
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

const ECHO = 'function Echo(req, resp) { resp.success(req.params); }';

describe('REST bodies as ClearBlade reads them', () => {
  let tp: TestPlatform;
  let sys: TestSystem;
  let user: { token: string };
  before(async () => {
    tp = await startTestPlatform();
    const a = api(tp.url);
    const dev = await devLogin(a);
    sys = await newSystem(a, dev);
    await a.ok('POST', `/admin/code/v/1/${sys.systemKey}/Echo`, {
      headers: dev.headers,
      body: { code: ECHO, parameters: [] },
    });
    await a.ok('PUT', `/admin/user/${sys.systemKey}/roles`, {
      headers: dev.headers,
      body: { id: 'Authenticated', changes: { allservices: { permissions: 1 } } },
    });
    user = await newUser(a, sys, 'bodies@test.local');
  });
  after(() => tp.close({ removeData: true }));

  const execute = (headers: Record<string, string>, body?: string) =>
    raw(
      tp.url,
      'POST',
      `/api/v/1/code/${sys.systemKey}/Echo`,
      { 'ClearBlade-UserToken': user.token, ...headers },
      body,
    );

  it('logs in anonymously with POST /api/v/1/user/anon and no body at all (Node SDK)', async () => {
    const r = await raw(tp.url, 'POST', '/api/v/1/user/anon', sys.headers);
    expect(r.status).to.equal(200);
    expect(r.body.user_token).to.be.a('string');
  });

  it('logs in anonymously with body {} and no Content-Type (Node SDK loginAnon)', async () => {
    const r = await raw(tp.url, 'POST', '/api/v/1/user/anon', sys.headers, '{}');
    expect(r.status).to.equal(200);
    expect(r.body.user_token).to.be.a('string');
  });

  it('executes a service with a JSON body and no Content-Type (Node SDK Code().execute)', async () => {
    const r = await execute({}, '{"lhs":3}');
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.equal({ success: true, results: { lhs: 3 } });
  });

  it('reads JSON text sent as application/x-www-form-urlencoded', async () => {
    const r = await execute({ 'Content-Type': 'application/x-www-form-urlencoded' }, '{"a":[1,2]}');
    expect(r.status).to.equal(200);
    expect(r.body.results).to.deep.equal({ a: [1, 2] });
  });

  it('reads an empty application/json body (Content-Length 0) as {}', async () => {
    const r = await execute({ 'Content-Type': 'application/json', 'Content-Length': '0' }, '');
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.equal({ success: true, results: {} });
  });

  it('reads an absent body as {} for the service', async () => {
    const r = await execute({});
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.equal({ success: true, results: {} });
  });

  it('logs out with an empty JSON body', async () => {
    const login = await raw(tp.url, 'POST', '/api/v/1/user/anon', sys.headers);
    const token = String(login.body.user_token);
    const out = await raw(
      tp.url,
      'POST',
      '/api/v/1/user/logout',
      { 'ClearBlade-UserToken': token, 'Content-Type': 'application/json', 'Content-Length': '0' },
      '',
    );
    expect(out.status).to.equal(200);
    const check = await raw(tp.url, 'POST', '/api/v/1/user/checkauth', { 'ClearBlade-UserToken': token });
    expect(check.body).to.deep.equal({ is_authenticated: false });
  });

  it('answers 400 CB_ERR_HTTP_BAD_JSON for bad JSON with no Content-Type', async () => {
    const r = await execute({}, '{"lhs":');
    expect(r.status).to.equal(400);
    expect(r.body.code).to.equal('CB_ERR_HTTP_BAD_JSON');
  });

  it('answers 400 CB_ERR_HTTP_BAD_JSON for bad JSON as form or JSON', async () => {
    for (const type of [
      'application/x-www-form-urlencoded',
      'application/json',
      'application/octet-stream',
    ]) {
      const r = await execute({ 'Content-Type': type }, '{"lhs":');
      expect(r.status, type).to.equal(400);
      expect(r.body.code, type).to.equal('CB_ERR_HTTP_BAD_JSON');
    }
  });

  it('still validates the route schema after an empty body is read as {}', async () => {
    const r = await raw(
      tp.url,
      'POST',
      '/api/v/1/user/auth',
      { ...sys.headers, 'Content-Type': 'application/json', 'Content-Length': '0' },
      '',
    );
    expect(r.status).to.equal(400);
    expect(r.body.code).to.equal('CB_ERR_HTTP_BAD_REQUEST');
  });
});

describe('REST body parsing rules', () => {
  it('reads empty or blank text as {} and JSON as itself', () => {
    expect(parseLenientJson('  ')).to.deep.equal({});
    expect(parseLenientJson('[1]')).to.deep.equal([1]);
  });

  it('refuses text that is not JSON with CB_ERR_HTTP_BAD_JSON', () => {
    expect(() => parseLenientJson('nope'))
      .to.throw()
      .with.property('code', 'CB_ERR_HTTP_BAD_JSON');
  });

  it('reads a real form body as its fields, and JSON-looking form text as JSON', () => {
    expect(parseFormBody('a=1&b=x%20y')).to.deep.equal({ a: '1', b: 'x y' });
    expect(parseFormBody('{"a":1}')).to.deep.equal({ a: 1 });
    expect(() => parseFormBody('{"a":'))
      .to.throw()
      .with.property('code', 'CB_ERR_HTTP_BAD_JSON');
  });
});
