// Route auth (services/rest/route-auth.ts) through app.inject(): each auth kind a route can declare, what
// the hook puts on the request, and that a route declaring none is refused when it is registered.
import { expect } from 'chai';
import type { FastifyPluginAsync } from 'fastify';
import { createMemoryLog } from '../../../services/kernel/log.js';
import { createRestAuth } from '../../../services/rest/auth.js';
import { CALLER_IN_SYSTEM, DEVELOPER_OF_SYSTEM } from '../../../services/rest/route-auth.js';
import { createHttpApp } from '../../../services/rest/server.js';
import { tokenHeaders, useAuthRig } from './principals.js';

/** Every route answers what the hook proved. */
const probeRoutes: FastifyPluginAsync = async (app) => {
  const who = (req: { identity: { kind: string; systemKey: string } }) => ({
    kind: req.identity.kind,
    systemKey: req.identity.systemKey,
  });
  app.get('/open', { config: { auth: 'none' } }, () => ({ open: true }));
  app.get('/open/identity', { config: { auth: 'none' } }, (req) => who(req));
  app.get('/dev', { config: { auth: 'developer' } }, (req) => ({ kind: req.principal.kind }));
  app.get('/dev/:systemKey', { config: DEVELOPER_OF_SYSTEM }, (req) => who(req));
  app.get('/devq', { config: { auth: 'developer', system: 'query' } }, (req) => who(req));
  app.put(
    '/devb',
    {
      config: { auth: 'developer', system: 'body' },
      schema: { body: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } },
    },
    (req) => who(req),
  );
  app.get('/caller/:systemKey', { config: CALLER_IN_SYSTEM }, (req) => who(req));
  app.get('/token', { config: { auth: 'caller', system: 'token' } }, (req) => who(req));
  app.get('/user', { config: { auth: 'user' } }, (req) => who(req));
  app.get('/anytoken', { config: { auth: 'token' } }, (req) => ({ kind: req.principal.kind }));
  app.get('/system', { config: { auth: 'system', system: 'headers' } }, (req) => ({
    systemKey: req.system.systemKey,
  }));
  app.get('/system/:systemKey', { config: { auth: 'system', system: 'path' } }, (req) => ({
    systemKey: req.system.systemKey,
  }));
  app.get('/probe', { config: { auth: 'developer', probe: true } }, (req) => ({
    failure: req.authFailure?.code ?? null,
  }));
};

describe('services/rest/route-auth', () => {
  const rig = useAuthRig('hook', (tp) =>
    createHttpApp({
      bodyLimit: 1 << 16,
      log: createMemoryLog(),
      routes: [probeRoutes],
      auth: createRestAuth(tp.platform.identity),
      healthy: () => true,
    }),
  );

  const call = async (
    url: string,
    headers: Record<string, string> = {},
    method: 'GET' | 'PUT' = 'GET',
    payload?: object,
  ) => {
    const res = await rig.app.inject({ method, url, headers, payload });
    return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
  };
  // Read at call time: the tokens exist once the suite started.
  const dev = (): Record<string, string> => ({ 'ClearBlade-DevToken': rig.devToken });
  const user = (): Record<string, string> => ({ 'ClearBlade-UserToken': rig.userToken });
  const device = (): Record<string, string> => ({ 'ClearBlade-DeviceToken': rig.deviceToken });
  /** What `call` answers when the hook let the request through and the route answered `body`. */
  const accepted = (body: Record<string, unknown>) => ({ status: 200, body });
  /** The part of the error envelope each refusal below is checked by. */
  const refusal = (statusCode: number, code: string) => ({ statusCode, code });

  it('lets anyone call an auth none route, which carries no identity (reading one is a 500)', async () => {
    expect(await call('/open')).to.deep.equal(accepted({ open: true }));
    const res = await call('/open/identity');
    expect(res).to.deep.include({ status: 500 });
    expect(res.body).to.include({ code: 'CB_ERR_INTERNAL' });
  });

  it('developer: a developer token, else 401 missing or 403 for a user token', async () => {
    expect(await call('/dev', dev())).to.deep.equal(accepted({ kind: 'developer' }));
    expect((await call('/dev')).body).to.include(refusal(401, 'CB_ERR_AUTH_MISSING_TOKEN'));
    expect((await call('/dev', { 'ClearBlade-DevToken': rig.userToken })).body).to.include(
      refusal(403, 'CB_ERR_AUTH_FORBIDDEN'),
    );
  });

  it('developer of a system: from the path, ?id= or the body; the identity acts in that system', async () => {
    const mine = accepted({ kind: 'developer', systemKey: rig.sk });
    expect(await call(`/dev/${rig.sk}`, dev())).to.deep.equal(mine);
    expect(await call(`/devq?id=${rig.sk}`, dev())).to.deep.equal(mine);
    expect(await call('/devb', dev(), 'PUT', { id: rig.sk })).to.deep.equal(mine);
    expect((await call('/dev/unknown', dev())).body).to.include({ code: 'CB_ERR_SYSTEM_UNKNOWN' });
    expect((await call(`/dev/${rig.sk}`, user())).body).to.include({ code: 'CB_ERR_AUTH_MISSING_TOKEN' });
  });

  it('validates the request before it authenticates, as the handlers did (400 before 401)', async () => {
    expect((await call('/devb', {}, 'PUT', {})).body).to.include(refusal(400, 'CB_ERR_HTTP_BAD_REQUEST'));
  });

  it('caller in the path system: developer, user or device token; other systems are refused', async () => {
    for (const [headers, kind] of tokenHeaders(rig)) {
      expect(await call(`/caller/${rig.sk}`, headers)).to.deep.equal(accepted({ kind, systemKey: rig.sk }));
    }
    expect((await call(`/caller/${rig.sk}`)).body).to.include({ code: 'CB_ERR_AUTH_MISSING_TOKEN' });
    const other = await rig.tp.platform.identity.createSystem(
      rig.tp.platform.identity.verifyToken(rig.devToken).id,
      { name: 'other' },
    );
    expect((await call(`/caller/${other.systemKey}`, user())).body).to.include(
      refusal(403, 'CB_ERR_AUTH_FORBIDDEN'),
    );
  });

  it("caller by token: the token's own system, else ClearBlade-SystemKey (a developer's)", async () => {
    expect(await call('/token', user())).to.deep.equal(accepted({ kind: 'user', systemKey: rig.sk }));
    expect(await call('/token', { ...dev(), 'ClearBlade-SystemKey': rig.sk })).to.deep.equal(
      accepted({ kind: 'developer', systemKey: rig.sk }),
    );
    expect((await call('/token', dev())).body).to.include(refusal(400, 'CB_ERR_SYSTEM_MISSING'));
  });

  it('token: any valid token of any kind, in no system; none or a bad one is 401', async () => {
    for (const [headers, kind] of tokenHeaders(rig)) {
      expect(await call('/anytoken', headers)).to.deep.equal(accepted({ kind }));
    }
    expect((await call('/anytoken')).body).to.include(refusal(401, 'CB_ERR_AUTH_MISSING_TOKEN'));
    expect((await call('/anytoken', { 'ClearBlade-UserToken': 'nope' })).body).to.include(
      refusal(401, 'CB_ERR_AUTH_INVALID_TOKEN'),
    );
  });

  it('user: a user token only', async () => {
    expect(await call('/user', user())).to.deep.equal(accepted({ kind: 'user', systemKey: rig.sk }));
    expect((await call('/user', device())).body).to.include(refusal(403, 'CB_ERR_AUTH_FORBIDDEN'));
    expect((await call('/user')).body).to.include(refusal(401, 'CB_ERR_AUTH_MISSING_TOKEN'));
  });

  it('system: key and secret headers, or the key in the path with the secret checked only when sent', async () => {
    expect(
      await call('/system', { 'ClearBlade-SystemKey': rig.sk, 'ClearBlade-SystemSecret': rig.secret }),
    ).to.deep.equal(accepted({ systemKey: rig.sk }));
    expect((await call('/system', { 'ClearBlade-SystemKey': rig.sk })).body).to.include(
      refusal(401, 'CB_ERR_SYSTEM_BAD_SECRET'),
    );
    expect((await call('/system')).body).to.include({ code: 'CB_ERR_SYSTEM_MISSING' });
    expect(await call(`/system/${rig.sk}`)).to.deep.equal(accepted({ systemKey: rig.sk }));
    expect((await call(`/system/${rig.sk}`, { 'ClearBlade-SystemSecret': 'X' })).body).to.include({
      code: 'CB_ERR_SYSTEM_BAD_SECRET',
    });
  });

  it('probe: a refusal reaches the handler as authFailure instead of failing the request', async () => {
    expect(await call('/probe', dev())).to.deep.equal(accepted({ failure: null }));
    expect(await call('/probe', { 'ClearBlade-DevToken': 'nope' })).to.deep.equal(
      accepted({ failure: 'CB_ERR_AUTH_INVALID_TOKEN' }),
    );
  });

  it('lists the error envelope as 4xx/5xx responses of a route that documents its answers', async () => {
    const doc = await createHttpApp({
      bodyLimit: 1 << 16,
      log: createMemoryLog(),
      auth: createRestAuth(rig.tp.platform.identity),
      healthy: () => true,
      routes: [
        async (r) => {
          r.get(
            '/x',
            { config: { auth: 'none' }, schema: { response: { 200: { type: 'object' } } } },
            () => ({}),
          );
        },
      ],
    });
    try {
      const spec = (await doc.inject({ method: 'GET', url: '/openapi.json' })).json<{
        paths: Record<string, { get: { responses: Record<string, unknown> } }>;
      }>();
      expect(spec.paths['/x']?.get.responses).to.have.keys('200', '4XX', '5XX');
    } finally {
      await doc.close();
    }
  });

  describe('refuses at registration', () => {
    const build = (routes: FastifyPluginAsync) =>
      createHttpApp({
        bodyLimit: 1 << 16,
        log: createMemoryLog(),
        auth: createRestAuth(rig.tp.platform.identity),
        healthy: () => true,
        routes: [routes],
      });

    it('a route without config.auth', async () => {
      const err = await build(async (r) => {
        r.get('/forgot', () => ({}));
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(Error);
      expect((err as Error).message).to.match(/GET \/forgot: no config\.auth/);
    });

    it('a kind with a system source it cannot take', async () => {
      const err = await build(async (r) => {
        r.get('/bad', { config: { auth: 'caller' } }, () => ({}));
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as Error).message).to.match(/config\.auth 'caller' cannot take system 'undefined'/);
    });
  });
});
