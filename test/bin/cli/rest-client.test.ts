// The one REST client (bin/cli/rest-client.ts) against a small real HTTP server on 127.0.0.1: what it sends
// (JSON, raw bodies, bodies on GET, query, ClearBlade headers) and how it reads answers and errors.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { expect } from 'chai';
import { clearBladeHeaders, createRestClient, RestError } from '../../../bin/cli/rest-client.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Echoes what it received; `/fail` answers the platform's error shape, `/cookies` two Set-Cookie headers. */
function handler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const seen: Seen = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    if (req.url === '/fail') {
      res.writeHead(403, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(
        JSON.stringify({ statusCode: 403, code: 'CB_ERR_AUTH_FORBIDDEN', error: 'Forbidden', message: 'no' }),
      );
    } else if (req.url === '/plain') {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('bad gateway');
    } else if (req.url === '/empty') {
      res.writeHead(200);
      res.end();
    } else if (req.url === '/cookies') {
      res.writeHead(200, { 'set-cookie': ['a=1', 'b=2'], 'content-type': 'application/json' });
      res.end('{}');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(seen));
    }
  });
}

/** The error a call rejects with (undefined when it resolves). */
const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('bin/cli/rest-client', () => {
  let server: Server;
  let url: string;

  beforeEach(async () => {
    server = createServer(handler);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });

  it('sends a JSON body with its content type, the query, and the client headers under call headers', async () => {
    const client = createRestClient(`${url}/`, { 'x-a': 'client', 'x-b': 'client' });
    const seen = await client.request<Seen>('POST', '/echo', {
      body: { n: 1 },
      query: { q: 'x y', skip: undefined },
      headers: { 'x-b': 'call' },
    });
    expect(seen).to.include({ method: 'POST', url: '/echo?q=x+y', body: '{"n":1}' });
    expect(seen.headers).to.include({ 'content-type': 'application/json', 'x-a': 'client', 'x-b': 'call' });
    expect(client.url).to.equal(url);
  });

  it('sends a body on GET (as the Node SDK does) and a raw body verbatim', async () => {
    const client = createRestClient(url);
    expect(await client.request<Seen>('GET', '/echo', { body: {} })).to.include({
      method: 'GET',
      body: '{}',
    });
    const raw = await client.request<Seen>('POST', '/echo', { raw: '{"broken' });
    expect(raw.body).to.equal('{"broken');
    expect(raw.headers['content-type']).to.equal('application/json');
  });

  it('sends no content type without a body', async () => {
    const seen = await createRestClient(url).request<Seen>('DELETE', '/echo');
    expect(seen.headers).to.not.have.property('content-type');
    expect(seen.body).to.equal('');
  });

  it('carries ClearBlade credential headers; with() adds to them', async () => {
    const system = createRestClient(url, clearBladeHeaders.system('key1', 'SECRET1'));
    const asUser = system.with(clearBladeHeaders.user('tok-u'));
    const seen = await asUser.request<Seen>('GET', '/echo');
    expect(seen.headers).to.include({
      'clearblade-systemkey': 'key1',
      'clearblade-systemsecret': 'SECRET1',
      'clearblade-usertoken': 'tok-u',
    });
    expect(system.headers).to.not.have.property('ClearBlade-UserToken');
    expect(clearBladeHeaders.dev('d')).to.deep.equal({ 'ClearBlade-DevToken': 'd' });
    expect(clearBladeHeaders.device('v')).to.deep.equal({ 'ClearBlade-DeviceToken': 'v' });
    expect(clearBladeHeaders.system('k')).to.deep.equal({ 'ClearBlade-SystemKey': 'k' });
  });

  it('turns an error answer into a RestError with statusCode, code, message and headers', async () => {
    const err = await rejection(createRestClient(url).request('GET', '/fail'));
    expect(err).to.be.instanceOf(RestError);
    expect(err).to.include({ statusCode: 403, code: 'CB_ERR_AUTH_FORBIDDEN', message: 'no' });
    expect((err as RestError).headers).to.include({ 'retry-after': '7' });
  });

  it('names a non-JSON error by its HTTP status and keeps the text as the message', async () => {
    const err = await rejection(createRestClient(url).request('GET', '/plain'));
    expect(err).to.include({ statusCode: 502, code: 'HTTP_502', message: 'bad gateway' });
  });

  it('send() answers any status with the parsed body, the text and flat headers', async () => {
    const client = createRestClient(url);
    const fail = await client.send<{ code: string }>('GET', '/fail');
    expect(fail.status).to.equal(403);
    expect(fail.body.code).to.equal('CB_ERR_AUTH_FORBIDDEN');
    expect(fail.headers['retry-after']).to.equal('7');
    const empty = await client.send('GET', '/empty');
    expect(empty).to.include({ status: 200, body: undefined, text: '' });
    const cookies = await client.send('GET', '/cookies');
    expect(cookies.headers['set-cookie']).to.equal('a=1, b=2');
  });

  it('reports a platform it cannot reach as CONNECTION_FAILED (statusCode 0)', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const err = await rejection(createRestClient(`http://127.0.0.1:${String(port)}`).request('GET', '/'));
    expect(err).to.be.instanceOf(RestError);
    expect(err).to.include({ statusCode: 0, code: 'CONNECTION_FAILED' });
  });
});
