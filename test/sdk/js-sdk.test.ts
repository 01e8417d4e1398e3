// ClearBlade's unmodified browser JS SDK (npm clearblade-js-client@3.3.3) against a real platform, with the
// smallest Node shims it needs (test/sdk/shims: XMLHttpRequest over node:http, WebSocket from `ws`,
// localStorage) and its own bundled Paho client speaking MQTT over WebSocket.
import { expect } from 'chai';
import { waitFor } from '../helpers/wait-for.js';
import { installBrowser, type JsSdkModule } from './shims/browser.js';
import { sdkWorld, type SdkWorld } from './world.js';

type Fn = (...args: unknown[]) => unknown;
type Answer = { err: unknown; data: unknown };

/** A method of an SDK object, bound (the SDK's objects are plain bags of functions using `this`). */
function method(target: unknown, name: string): Fn {
  const f = (target as Record<string, unknown>)[name];
  if (typeof f !== 'function') throw new Error(`the SDK has no ${name}()`);
  return (f as Fn).bind(target);
}

/** Calls an SDK method with ClearBlade's `(err, data)` callback last. */
function call(target: unknown, name: string, ...args: unknown[]): Promise<Answer> {
  return new Promise((resolve) => {
    method(target, name)(...args, (err: unknown, data: unknown) => resolve({ err, data }));
  });
}

/** A factory result (`cb.Device()`, `cb.Code()` …). */
function part(cb: unknown, name: string): unknown {
  return method(cb, name)();
}

describe('ClearBlade browser JS SDK (clearblade-js-client@3.3.3) unmodified', function () {
  this.timeout(20000);
  let w: SdkWorld;
  let browser: ReturnType<typeof installBrowser>;
  let sdk: JsSdkModule;
  let disconnect: (() => void) | undefined;

  before(() => {
    browser = installBrowser();
    sdk = browser.sdk;
  });
  after(() => browser.uninstall());
  beforeEach(async () => {
    w = await sdkWorld();
  });
  afterEach(async () => {
    disconnect?.();
    disconnect = undefined;
    await w.close();
  });

  /** A fresh SDK instance, initialised (anonymous without credentials). */
  const init = async (extra: Record<string, unknown> = {}): Promise<{ cb: unknown; login: Answer }> => {
    const cb = sdk.ClearBlade();
    if (extra.useUser !== undefined) {
      // With useUser the SDK makes no call and never calls back.
      method(cb, 'init')({ systemKey: w.systemKey, systemSecret: w.systemSecret, URI: w.tp.url, ...extra });
      return { cb, login: { err: false, data: extra.useUser } };
    }
    const login = await new Promise<Answer>((resolve) => {
      method(
        cb,
        'init',
      )({
        systemKey: w.systemKey,
        systemSecret: w.systemSecret,
        URI: w.tp.url,
        messagingURI: '127.0.0.1',
        messagingPort: w.tp.ports.ws,
        callback: (err: unknown, data: unknown) => resolve({ err, data }),
        ...extra,
      });
    });
    return { cb, login };
  };
  const asUser = () => init({ email: 'user@test.local', password: 'user-pass-1' });

  it('logs in anonymously and as a user, registers, checks and ends the session', async () => {
    const anon = await init();
    expect(anon.login.err).to.equal(false);
    expect(anon.login.data).to.have.property('authToken').that.is.a('string');
    const reg = await call(anon.cb, 'registerUser', 'js@test.local', 'js-pass-12');
    expect(reg.err).to.equal(false);
    const { cb, login } = await init({ email: 'js@test.local', password: 'js-pass-12' });
    expect(login.err).to.equal(false);
    expect(await call(cb, 'isCurrentUserAuthenticated')).to.deep.equal({ err: false, data: true });
    expect(await call(part(cb, 'User'), 'getUser')).to.have.nested.property('data.email', 'js@test.local');
    expect(await call(cb, 'logoutUser')).to.deep.equal({ err: false, data: 'User Logged out' });
    expect(await call(cb, 'isCurrentUserAuthenticated')).to.deep.equal({ err: false, data: false });
    const wrong = await init({ email: 'js@test.local', password: 'nope-nope' });
    expect(wrong.login.err).to.equal(true);
  });

  it('executes code services with params, with {} and refuses an unknown one with a code', async () => {
    const { cb } = await asUser();
    const code = part(cb, 'Code');
    const withParams = await call(code, 'execute', 'Echo', { a: 1 });
    expect(withParams.err).to.equal(false);
    expect(withParams.data).to.deep.equal({
      success: true,
      results: { params: { a: 1 }, user: 'user@test.local' },
    });
    const empty = await call(code, 'execute', 'Echo', {});
    expect(empty.data).to.have.nested.property('results.params').that.deep.equals({});
    const missing = await call(code, 'execute', 'Nope', {});
    expect(missing.err).to.equal(true);
    expect(JSON.parse(String(missing.data)))
      .to.have.property('code')
      .that.matches(/^CB_ERR_/);
  });

  it('lists completed and failed runs (getCompletedServices / getFailedServices) as ServiceInfo', async () => {
    const { cb } = await asUser();
    const logging = await w.http('POST', `/codeadmin/v/2/logs/${w.systemKey}/Echo`, {
      body: { logging: 'true' },
      token: w.devToken,
    });
    expect(logging.status).to.equal(200);
    const code = part(cb, 'Code');
    expect((await call(code, 'execute', 'Echo', { a: 2 })).err).to.equal(false);
    expect(await call(code, 'execute', 'Boom', { n: 7 })).to.have.nested.property('data.success', false);
    const completed = await call(code, 'getCompletedServices');
    expect(completed.err).to.equal(false);
    const done = completed.data as Array<Record<string, unknown>>;
    expect(done.map((r) => r.Service)).to.deep.equal(['Echo']);
    expect(done[0]).to.include({ UserType: 2 });
    expect(done[0]).to.have.property('UserId').that.is.a('string').and.not.empty;
    expect(done[0]).to.have.nested.property('Response.success', true);
    expect(done[0]).to.have.nested.property('Error.status_code', 0);
    const failed = await call(code, 'getFailedServices');
    expect(failed.err).to.equal(false);
    const bad = failed.data as Array<Record<string, unknown>>;
    expect(bad.map((r) => r.Service)).to.deep.equal(['Boom']);
    expect(bad[0]).to.have.nested.property('Response.success', false);
    expect(bad[0]).to.have.nested.property('Error.error.message').that.includes('boom 7');
    expect(bad[0]).to.have.property('Id').that.is.a('string').and.not.empty;
    expect(Date.parse(String(bad[0].Datetime))).to.be.a('number').and.not.NaN;
  });

  it('manages devices as a user, authenticates a device and reads roles, users and trigger definitions', async () => {
    const { cb } = await asUser();
    const devices = part(cb, 'Device');
    const made = await call(devices, 'create', { name: 'dev1', active_key: 'dev1-key-123', type: 'sensor' });
    expect(made.err, JSON.stringify(made.data)).to.equal(false);
    expect(await call(devices, 'getDeviceByName', 'dev1')).to.have.nested.property('data.type', 'sensor');
    const updated = await call(devices, 'updateDeviceByName', 'dev1', { state: 'on' }, false);
    expect(updated.err, JSON.stringify(updated.data)).to.equal(false);
    const listed = await call(devices, 'fetch', { query: { FILTERS: [] } });
    expect(listed.err, JSON.stringify(listed.data)).to.equal(false);
    expect(JSON.stringify(listed.data)).to.contain('dev1');
    expect((await call(devices, 'count')).data).to.deep.equal({ count: 1 });
    expect((await call(devices, 'columns')).err).to.equal(false);

    // Device auth: neither SDK has a device login; the token from the REST call works in the SDK.
    const auth = await w.http('POST', `/api/v/2/devices/${w.systemKey}/auth`, {
      body: { deviceName: 'dev1', activeKey: 'dev1-key-123' },
    });
    expect(auth.status).to.equal(200);
    const asDevice = await init({ useUser: { email: 'dev1', authToken: String(auth.body.deviceToken) } });
    expect(await call(part(asDevice.cb, 'Device'), 'getDeviceByName', 'dev1')).to.have.nested.property(
      'data.state',
      'on',
    );
    const deleted = await call(devices, 'deleteDeviceByName', 'dev1');
    expect(deleted.err, JSON.stringify(deleted.data)).to.equal(false);
    expect((await call(devices, 'getDeviceByName', 'dev1')).err).to.equal(true);

    const roles = await call(part(cb, 'Roles'), 'fetch');
    expect(roles.err, JSON.stringify(roles.data)).to.equal(false);
    expect(JSON.stringify(roles.data)).to.contain('CodeTestRole');
    const defs = await call(part(cb, 'Triggers'), 'fetchDefinitions');
    expect(defs.err, JSON.stringify(defs.data)).to.equal(false);
    expect(JSON.stringify(defs.data)).to.contain('Messaging');
    const users = part(cb, 'User');
    expect(JSON.stringify((await call(users, 'allUsers', {})).data)).to.contain('user@test.local');
    expect((await call(users, 'count', {})).data).to.deep.equal({ count: 1 });
    expect((await call(users, 'columns')).err).to.equal(false);
  });

  it('creates, queries, counts, updates and removes collection items and lists the collections', async () => {
    const { cb } = await asUser();
    const col = method(cb, 'Collection')({ collectionName: 'readings' });
    const created = await call(col, 'create', [
      { sensor: 'a', value: 1 },
      { sensor: 'b', value: 2 },
    ]);
    expect(created.err, JSON.stringify(created.data)).to.equal(false);
    const query = (): unknown => method(cb, 'Query')({ collectionName: 'readings' });
    const q = query();
    method(q, 'greaterThan')('value', 1);
    const fetched = await call(q, 'fetch');
    expect(fetched.err).to.equal(false);
    expect(JSON.stringify(fetched.data)).to.contain('"b"').and.not.contain('"a"');
    expect((await call(col, 'count', {})).data).to.deep.equal({ count: 2 });
    expect(JSON.stringify((await call(col, 'columns')).data)).to.contain('sensor');
    const upd = query();
    method(upd, 'equalTo')('sensor', 'a');
    const updated = await call(upd, 'update', { value: 5 });
    expect(updated.err, JSON.stringify(updated.data)).to.equal(false);
    const rm = query();
    method(rm, 'equalTo')('sensor', 'b');
    const removed = await call(rm, 'remove');
    expect(removed.err, JSON.stringify(removed.data)).to.equal(false);
    expect((await call(col, 'count', {})).data).to.deep.equal({ count: 1 });
    const byId = method(cb, 'Collection')(w.collectionId);
    expect(JSON.stringify((await call(byId, 'fetch', { query: {} })).data)).to.contain('"value":5');
    const all = await call(cb, 'getAllCollections');
    expect(JSON.stringify(all.data)).to.contain('readings');
  });

  it('publishes and subscribes over MQTT on WebSocket (Paho) and reads history and messaging stats', async () => {
    const { cb } = await asUser();
    let messaging: unknown;
    const connected = new Promise<Answer>((resolve) => {
      messaging = method(cb, 'Messaging')({}, (err: unknown, data: unknown) => resolve({ err, data }));
    });
    disconnect = () => {
      // SDK defect: after disconnect() its onConnectionLost reconnects (maxConnectRetries 0 reads as 3).
      const client = (messaging as { client: { onConnectionLost: () => void } }).client;
      client.onConnectionLost = () => undefined;
      method(messaging, 'disconnect')();
    };
    expect((await connected).err).to.equal(undefined);
    const subscribed = waitFor(w.tp.platform.broker, 'subscribed', (e) => e.filter === 'sdk/js/#', {
      what: 'the JS SDK subscribed',
    });
    const received = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message')), 5000);
      method(messaging, 'subscribe')('sdk/js/#', {}, (payload: string) => {
        clearTimeout(timer);
        resolve(payload);
      });
    });
    await subscribed;
    method(messaging, 'publish')('sdk/js/t', 'hello from the js sdk');
    expect(await received).to.equal('hello from the js sdk');
    const stats = part(cb, 'MessagingStats');
    const history = await call(stats, 'getMessageHistory', 'sdk/js/t', 0, 10);
    expect(history.err).to.equal(false);
    expect(JSON.stringify(history.data)).to.contain('hello from the js sdk');
    expect(JSON.stringify((await call(stats, 'currentTopics')).data)).to.contain('sdk/js/t');
    for (const [name, args] of [
      ['getOpenConnections', []],
      ['getCurrentSubscribers', ['sdk/js/t']],
      ['getAveragePayloadSize', ['sdk/js/t', 0, Math.floor(Date.now() / 1000) + 60]],
    ] as const) {
      const r = await call(stats, name, ...args);
      expect(r.err, `${name}: ${JSON.stringify(r.data)}`).to.equal(false);
    }
  });
});
