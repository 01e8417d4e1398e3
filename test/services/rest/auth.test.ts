import { expect } from 'chai';
import Fastify, { type FastifyInstance } from 'fastify';
import { createRestAuth, type RestAuth } from '../../../services/rest/auth.js';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';
import { seedPrincipals } from './principals.js';

describe('rest auth', () => {
  let tp: TestPlatform;
  let auth: RestAuth;
  let app: FastifyInstance;
  let sk: string;
  let secret: string;
  let devToken: string;
  let userToken: string;
  let deviceToken: string;

  before(async () => {
    tp = await startTestPlatform();
    auth = createRestAuth(tp.platform.identity);
    ({ sk, secret, devToken, userToken, deviceToken } = await seedPrincipals(tp, 'auth'));
    // A bare app: each route answers what the check proved, or the error code.
    app = Fastify();
    const answer = (fn: () => unknown) => {
      try {
        return { ok: fn() };
      } catch (err) {
        return { code: (err as { code?: string }).code };
      }
    };
    app.get<{ Params: { sk: string } }>('/caller/:sk', (req) =>
      answer(() => auth.caller(req, req.params.sk).kind),
    );
    app.get<{ Params: { sk: string } }>('/dev/:sk', (req) =>
      answer(() => auth.developerForSystem(req, req.params.sk).kind),
    );
    app.get('/system', (req) => answer(() => auth.system(req).systemKey));
    app.get<{ Params: { sk: string } }>('/system/:sk', (req) =>
      answer(() => auth.system(req, req.params.sk).systemKey),
    );
    await app.ready();
  });
  after(async () => {
    await app.close();
    await tp.close({ removeData: true });
  });

  const get = async (url: string, headers: Record<string, string> = {}) =>
    (await app.inject({ method: 'GET', url, headers })).json<{ ok?: string; code?: string }>();

  it('accepts a developer, user or device token as caller; a device token also in ClearBlade-UserToken', async () => {
    expect(await get(`/caller/${sk}`, { 'ClearBlade-DevToken': devToken })).to.deep.equal({
      ok: 'developer',
    });
    expect(await get(`/caller/${sk}`, { 'ClearBlade-UserToken': userToken })).to.deep.equal({ ok: 'user' });
    expect(await get(`/caller/${sk}`, { 'ClearBlade-DeviceToken': deviceToken })).to.deep.equal({
      ok: 'device',
    });
    expect(await get(`/caller/${sk}`, { 'ClearBlade-UserToken': deviceToken })).to.deep.equal({
      ok: 'device',
    });
  });

  it('names the failure: missing, invalid, unknown system, other system', async () => {
    expect(await get(`/caller/${sk}`)).to.deep.equal({ code: 'CB_ERR_AUTH_MISSING_TOKEN' });
    expect(await get(`/caller/${sk}`, { 'ClearBlade-UserToken': 'x' })).to.deep.equal({
      code: 'CB_ERR_AUTH_INVALID_TOKEN',
    });
    expect(await get('/caller/unknown', { 'ClearBlade-UserToken': userToken })).to.deep.equal({
      code: 'CB_ERR_SYSTEM_UNKNOWN',
    });
    const other = await tp.platform.identity.createSystem(tp.platform.identity.verifyToken(devToken).id, {
      name: 'B',
    });
    expect(await get(`/caller/${other.systemKey}`, { 'ClearBlade-UserToken': userToken })).to.deep.equal({
      code: 'CB_ERR_AUTH_FORBIDDEN',
    });
    expect(await get(`/dev/${sk}`, { 'ClearBlade-DevToken': userToken })).to.deep.equal({
      code: 'CB_ERR_AUTH_FORBIDDEN',
    });
    expect(await get('/dev/unknown', { 'ClearBlade-DevToken': devToken })).to.deep.equal({
      code: 'CB_ERR_SYSTEM_UNKNOWN',
    });
  });

  it('takes the system from headers (secret required) or from the path (secret optional, checked when sent)', async () => {
    expect(
      await get('/system', { 'ClearBlade-SystemKey': sk, 'ClearBlade-SystemSecret': secret }),
    ).to.deep.equal({ ok: sk });
    expect(await get('/system', { 'ClearBlade-SystemKey': sk })).to.deep.equal({
      code: 'CB_ERR_SYSTEM_BAD_SECRET',
    });
    expect(
      await get('/system', { 'ClearBlade-SystemKey': sk, 'ClearBlade-SystemSecret': 'X' }),
    ).to.deep.equal({
      code: 'CB_ERR_SYSTEM_BAD_SECRET',
    });
    expect(await get('/system')).to.deep.equal({ code: 'CB_ERR_SYSTEM_MISSING' });
    expect(await get(`/system/${sk}`)).to.deep.equal({ ok: sk });
    expect(await get(`/system/${sk}`, { 'ClearBlade-SystemSecret': 'X' })).to.deep.equal({
      code: 'CB_ERR_SYSTEM_BAD_SECRET',
    });
  });
});
