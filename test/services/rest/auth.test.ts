import { expect } from 'chai';
import Fastify from 'fastify';
import { createRestAuth } from '../../../services/rest/auth.js';
import { useAuthRig } from './principals.js';

describe('rest auth', () => {
  // A bare app: each route answers what the check proved, or the error code.
  const rig = useAuthRig('auth', async (tp) => {
    const auth = createRestAuth(tp.platform.identity);
    const app = Fastify();
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
    return app;
  });

  const get = async (url: string, headers: Record<string, string> = {}) =>
    (await rig.app.inject({ method: 'GET', url, headers })).json<{ ok?: string; code?: string }>();

  it('accepts a developer, user or device token as caller; a device token also in ClearBlade-UserToken', async () => {
    expect(await get(`/caller/${rig.sk}`, { 'ClearBlade-DevToken': rig.devToken })).to.deep.equal({
      ok: 'developer',
    });
    expect(await get(`/caller/${rig.sk}`, { 'ClearBlade-UserToken': rig.userToken })).to.deep.equal({
      ok: 'user',
    });
    expect(await get(`/caller/${rig.sk}`, { 'ClearBlade-DeviceToken': rig.deviceToken })).to.deep.equal({
      ok: 'device',
    });
    expect(await get(`/caller/${rig.sk}`, { 'ClearBlade-UserToken': rig.deviceToken })).to.deep.equal({
      ok: 'device',
    });
  });

  it('names the failure: missing, invalid, unknown system, other system', async () => {
    expect(await get(`/caller/${rig.sk}`)).to.deep.equal({ code: 'CB_ERR_AUTH_MISSING_TOKEN' });
    expect(await get(`/caller/${rig.sk}`, { 'ClearBlade-UserToken': 'x' })).to.deep.equal({
      code: 'CB_ERR_AUTH_INVALID_TOKEN',
    });
    expect(await get('/caller/unknown', { 'ClearBlade-UserToken': rig.userToken })).to.deep.equal({
      code: 'CB_ERR_SYSTEM_UNKNOWN',
    });
    const other = await rig.tp.platform.identity.createSystem(
      rig.tp.platform.identity.verifyToken(rig.devToken).id,
      {
        name: 'B',
      },
    );
    expect(await get(`/caller/${other.systemKey}`, { 'ClearBlade-UserToken': rig.userToken })).to.deep.equal({
      code: 'CB_ERR_AUTH_FORBIDDEN',
    });
    expect(await get(`/dev/${rig.sk}`, { 'ClearBlade-DevToken': rig.userToken })).to.deep.equal({
      code: 'CB_ERR_AUTH_FORBIDDEN',
    });
    expect(await get('/dev/unknown', { 'ClearBlade-DevToken': rig.devToken })).to.deep.equal({
      code: 'CB_ERR_SYSTEM_UNKNOWN',
    });
  });

  it('takes the system from headers (secret required) or from the path (secret optional, checked when sent)', async () => {
    expect(
      await get('/system', { 'ClearBlade-SystemKey': rig.sk, 'ClearBlade-SystemSecret': rig.secret }),
    ).to.deep.equal({ ok: rig.sk });
    expect(await get('/system', { 'ClearBlade-SystemKey': rig.sk })).to.deep.equal({
      code: 'CB_ERR_SYSTEM_BAD_SECRET',
    });
    expect(
      await get('/system', { 'ClearBlade-SystemKey': rig.sk, 'ClearBlade-SystemSecret': 'X' }),
    ).to.deep.equal({
      code: 'CB_ERR_SYSTEM_BAD_SECRET',
    });
    expect(await get('/system')).to.deep.equal({ code: 'CB_ERR_SYSTEM_MISSING' });
    expect(await get(`/system/${rig.sk}`)).to.deep.equal({ ok: rig.sk });
    expect(await get(`/system/${rig.sk}`, { 'ClearBlade-SystemSecret': 'X' })).to.deep.equal({
      code: 'CB_ERR_SYSTEM_BAD_SECRET',
    });
  });
});
