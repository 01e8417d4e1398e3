import { createServer, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { isInternalAddress } from '../../../services/outbound-http/addresses.js';
import { sendOutbound, type AddressPolicy } from '../../../services/outbound-http/fetcher.js';

const LIMITS = { timeoutS: 5, maxResponseBytes: 1024, maxRedirects: 3 };
const none: AddressPolicy = () => false;
/** Admits the host name `localhost` only (as an allow-list entry "localhost" would), not the IP literal. */
const localhostByName: AddressPolicy = (host) => host === 'localhost';
const everything: AddressPolicy = () => true;

describe('outbound HTTP: address rules, redirects and limits', () => {
  let server: Server;
  let port: number;
  const held: ServerResponse[] = [];
  beforeEach(async () => {
    server = createServer((req, res) => {
      if (req.url === '/hello') {
        res.setHeader('x-test', 'yes');
        res.end('hi there');
      } else if (req.url === '/to-ip') {
        res.statusCode = 302;
        res.setHeader('location', `http://127.0.0.1:${port}/hello`);
        res.end();
      } else if (req.url === '/to-hello') {
        res.statusCode = 301;
        res.setHeader('location', '/hello');
        res.end();
      } else if (req.url === '/loop') {
        res.statusCode = 302;
        res.setHeader('location', '/loop');
        res.end();
      } else if (req.url === '/big') {
        res.end('x'.repeat(5000));
      } else if (req.url === '/hang') {
        held.push(res); // never answers
      } else {
        res.statusCode = 404;
        res.end('none');
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    for (const res of held.splice(0)) res.destroy();
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });

  const get = (path: string, policy: AddressPolicy, host = '127.0.0.1', extra = {}) =>
    sendOutbound(
      { method: 'GET', url: `http://${host}:${port}${path}`, headers: {}, ...extra },
      policy,
      LIMITS,
    );

  it('refuses loopback without an allow-list entry with CB_ERR_OUTBOUND_DISALLOWED_HOST', async () => {
    const err = await get('/hello', none).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_OUTBOUND_DISALLOWED_HOST');
    const byName = await get('/hello', none, 'localhost').catch((e: unknown) => e);
    expect(byName).to.have.property('code', 'CB_ERR_OUTBOUND_DISALLOWED_HOST');
  });

  it('refuses IPv4-mapped IPv6 loopback too', async () => {
    const err = await get('/hello', none, '[::ffff:127.0.0.1]').catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_OUTBOUND_DISALLOWED_HOST');
    expect(isInternalAddress('::ffff:7f00:1')).to.equal(true);
    expect(isInternalAddress('169.254.169.254')).to.equal(true);
    expect(isInternalAddress('8.8.8.8')).to.equal(false);
  });

  it('reaches an admitted host and answers status, headers and body', async () => {
    const res = await get('/hello', localhostByName, 'localhost');
    expect(res).to.include({ status: 200, body: 'hi there' });
    expect(res.headers['x-test']).to.deep.equal(['yes']);
  });

  it('follows a redirect within the admitted host, and refuses one to a host the list does not admit', async () => {
    const ok = await get('/to-hello', localhostByName, 'localhost');
    expect(ok).to.include({ status: 200, body: 'hi there', redirects: 1 });
    const err = await get('/to-ip', localhostByName, 'localhost').catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_OUTBOUND_DISALLOWED_HOST');
  });

  it('stops a redirect loop with CB_ERR_OUTBOUND_TOO_MANY_REDIRECTS', async () => {
    const err = await get('/loop', everything).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_OUTBOUND_TOO_MANY_REDIRECTS');
  });

  it('cuts a response over the size limit with CB_ERR_OUTBOUND_RESPONSE_TOO_LARGE', async () => {
    const err = await get('/big', everything).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_OUTBOUND_RESPONSE_TOO_LARGE');
  });

  it('ends a request past its timeout with CB_ERR_OUTBOUND_TIMEOUT', async () => {
    const err = await get('/hang', everything, '127.0.0.1', { timeoutS: 0.2 }).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_OUTBOUND_TIMEOUT');
  });

  it('refuses other schemes and methods with CB_ERR_OUTBOUND_BAD_REQUEST', async () => {
    const scheme = await sendOutbound(
      { method: 'GET', url: 'file:///etc/passwd', headers: {} },
      everything,
      LIMITS,
    ).catch((e: unknown) => e);
    expect(scheme).to.have.property('code', 'CB_ERR_OUTBOUND_BAD_REQUEST');
    const method = await get('/hello', everything, '127.0.0.1', { method: 'CONNECT' }).catch(
      (e: unknown) => e,
    );
    expect(method).to.have.property('code', 'CB_ERR_OUTBOUND_BAD_REQUEST');
  });
});
