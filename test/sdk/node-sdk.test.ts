// ClearBlade's unmodified Node SDK (npm clearblade@1.13.1) against a real platform: its own HTTP transport
// (the `request` library) and its own MQTT client (mqtt 1.x) over real sockets. Where the SDK itself is
// broken the test names the defect and shows the HTTP exchange the SDK should have made is answered right.
import { expect } from 'chai';
import { createRequire } from 'node:module';
import { waitFor } from '../helpers/wait-for.js';
import { sdkWorld, type SdkWorld } from './world.js';

type Cb = (err: unknown, data: unknown) => void;
interface RequestOptions {
  method: string;
  endpoint: string;
  URI: string;
  user?: { authToken: string };
  systemKey?: string;
  systemSecret?: string;
  body?: unknown;
}
interface Messaging {
  publish(topic: string, payload: string): void;
  subscribe(topic: string, options: Record<string, unknown>, onMessage: (m: Buffer) => void): void;
  getMessageHistory(topic: string, last: number, count: number, cb: Cb): void;
  client: { end(force: boolean, cb: () => void): void };
}
interface Query {
  equalTo(f: string, v: unknown): Query;
  greaterThan(f: string, v: unknown): Query;
  descending(f: string): Query;
  setPage(size: number, page: number): Query;
  fetch(cb: Cb): void;
  update(changes: Record<string, unknown>, cb: Cb): void;
  remove(cb: Cb): void;
}
/** The part of the SDK's singleton the test drives (the package ships no types). */
interface NodeSdk {
  user: { email: string | null; authToken: string } | null;
  init(options: Record<string, unknown>): void;
  loginAnon(cb: Cb): void;
  loginUser(email: string, password: string, cb: Cb): void;
  registerUser(email: string, password: string, cb: Cb): void;
  logoutUser(cb: Cb): void;
  request(options: RequestOptions, cb: Cb): void;
  isCurrentUserAuthenticated?: unknown;
  Code(): { execute(name: string, params: unknown, cb: Cb): void };
  User(): { getUser(cb: Cb): void; allUsers(cb: Cb): void };
  Collection(options: string | { collectionName: string }): {
    create(item: unknown, cb: Cb): void;
    fetch(query: Query | Cb, cb?: Cb): void;
  };
  Query(options: string | { collectionName: string }): Query;
  Messaging(options: Record<string, unknown>, cb: (data: unknown) => void): Messaging;
}

const sdk = createRequire(import.meta.url)('clearblade') as NodeSdk;

/** The SDK's callback style as a promise that keeps the error flag. */
function call(f: (cb: Cb) => void): Promise<{ err: unknown; data: unknown }> {
  return new Promise((resolve) => {
    f((err, data) => resolve({ err, data }));
  });
}

describe('ClearBlade Node SDK (clearblade@1.13.1) unmodified', function () {
  this.timeout(20000);
  let w: SdkWorld;
  let messaging: Messaging | undefined;
  const init = (extra: Record<string, unknown>) =>
    call((cb) => {
      sdk.init({
        systemKey: w.systemKey,
        systemSecret: w.systemSecret,
        URI: w.tp.url,
        messagingURI: '127.0.0.1',
        messagingPort: w.tp.ports.mqtt,
        callback: cb,
        ...extra,
      });
    });

  beforeEach(async () => {
    w = await sdkWorld();
  });
  afterEach(async () => {
    const m = messaging;
    messaging = undefined;
    if (m !== undefined) await new Promise<void>((resolve) => m.client.end(true, resolve));
    await w.close();
  });

  it('logs in anonymously (a POST with no body) and as a user, and registers a user', async () => {
    const anon = await init({});
    expect(anon.err).to.equal(false);
    expect(sdk.user?.authToken).to.be.a('string').with.length.greaterThan(10);
    const reg = await call((cb) => sdk.registerUser('new@test.local', 'new-pass-1', cb));
    expect(reg).to.deep.equal({ err: false, data: 'User successfully registered' });
    const login = await init({ email: 'new@test.local', password: 'new-pass-1' });
    expect(login.err).to.equal(false);
    expect(login.data).to.have.property('email', 'new@test.local');
    const info = await call((cb) => sdk.User().getUser(cb));
    expect(info.err).to.equal(null);
    expect(info.data).to.have.property('email', 'new@test.local');
    const bad = await call((cb) => sdk.loginUser('new@test.local', 'wrong-pass', cb));
    expect(bad.err).to.equal(true);
    expect(JSON.parse(String(bad.data)))
      .to.have.property('code')
      .that.matches(/^CB_ERR_/);
  });

  it('logoutUser: the SDK sends no token (SDK defect); the logout it means is answered and ends the token', async () => {
    await init({ email: 'user@test.local', password: 'user-pass-1' });
    const user = sdk.user;
    if (user === null) throw new Error('no user');
    // SDK defect: logoutUser passes no `user`, so it sends only the system key/secret; the platform answers
    // that no-op with success (as ClearBlade does) and the token stays valid.
    const sdkLogout = await call((cb) => sdk.logoutUser(cb));
    expect(sdkLogout).to.deep.equal({ err: false, data: 'User Logged out' });
    const still = await call((cb) =>
      sdk.request({ method: 'POST', endpoint: 'api/v/1/user/checkauth', URI: w.tp.url, user }, cb),
    );
    expect(still.data).to.deep.equal({ is_authenticated: true });
    // SDK defect: isCurrentUserAuthenticated is a static on the constructor, not on the exported instance.
    expect(sdk.isCurrentUserAuthenticated).to.equal(undefined);
    // The exchanges they mean, through the SDK's own transport with the token: POST with no body.
    const checked = await call((cb) =>
      sdk.request({ method: 'POST', endpoint: 'api/v/1/user/checkauth', URI: w.tp.url, user }, cb),
    );
    expect(checked.data).to.deep.equal({ is_authenticated: true });
    const out = await call((cb) =>
      sdk.request({ method: 'POST', endpoint: 'api/v/1/user/logout', URI: w.tp.url, user }, cb),
    );
    expect(out.err).to.equal(null);
    const after = await call((cb) =>
      sdk.request({ method: 'POST', endpoint: 'api/v/1/user/checkauth', URI: w.tp.url, user }, cb),
    );
    expect(after.data).to.deep.equal({ is_authenticated: false });
  });

  it('executes a code service with params, with {} and with none', async () => {
    await init({ email: 'user@test.local', password: 'user-pass-1' });
    const withParams = await call((cb) => sdk.Code().execute('Echo', { a: 1 }, cb));
    expect(withParams.err).to.equal(false);
    expect(withParams.data).to.deep.include({ success: true });
    expect((withParams.data as { results: unknown }).results).to.deep.equal({
      params: { a: 1 },
      user: 'user@test.local',
    });
    for (const params of [{}, undefined]) {
      const r = await call((cb) => sdk.Code().execute('Echo', params, cb));
      expect(r.err, JSON.stringify(r.data)).to.equal(false);
      expect((r.data as { results: { params: unknown } }).results.params).to.deep.equal({});
    }
    const missing = await call((cb) => sdk.Code().execute('Nope', {}, cb));
    expect(missing.err).to.equal(true);
  });

  it('creates, queries, pages, updates and removes collection items by name and by id', async () => {
    await init({ email: 'user@test.local', password: 'user-pass-1' });
    const byName = sdk.Collection({ collectionName: 'readings' });
    const created = await call((cb) =>
      byName.create(
        [
          { sensor: 'a', value: 1 },
          { sensor: 'b', value: 2 },
          { sensor: 'c', value: 3 },
        ],
        cb,
      ),
    );
    expect(created.err).to.equal(null);
    expect(created.data).to.have.length(3);
    const q = sdk.Query({ collectionName: 'readings' }).greaterThan('value', 1).descending('value');
    const fetched = (await call((cb) => q.fetch(cb))).data as {
      DATA: Array<{ sensor: string }>;
      TOTAL: number;
    };
    expect(fetched.DATA.map((d) => d.sensor)).to.deep.equal(['c', 'b']);
    expect(fetched.TOTAL).to.equal(2);
    const page = (await call((cb) => sdk.Query(w.collectionId).setPage(1, 2).fetch(cb))).data as {
      DATA: unknown[];
      TOTAL: number;
    };
    expect(page.DATA).to.have.length(1);
    expect(page.TOTAL).to.equal(3);
    const updated = await call((cb) =>
      sdk.Query(w.collectionId).equalTo('sensor', 'a').update({ value: 10 }, cb),
    );
    expect(updated.err, JSON.stringify(updated.data)).to.equal(null);
    const removed = await call((cb) =>
      sdk.Query({ collectionName: 'readings' }).equalTo('sensor', 'b').remove(cb),
    );
    expect(removed.err, JSON.stringify(removed.data)).to.equal(null);
    const all = (await call((cb) => sdk.Collection(w.collectionId).fetch(cb))).data as {
      DATA: Array<{ sensor: string; value: number }>;
    };
    expect(all.DATA.map((d) => [d.sensor, d.value]).sort()).to.deep.equal([
      ['a', 10],
      ['c', 3],
    ]);
    const badColumn = await call((cb) => sdk.Query(w.collectionId).equalTo('nope', 1).fetch(cb));
    expect(badColumn.err).to.equal(true);
    expect(JSON.parse(String(badColumn.data)))
      .to.have.property('code')
      .that.matches(/^CB_ERR_DATA_/);
    // A service writes to the same collection when the SDK runs it.
    const stored = await call((cb) => sdk.Code().execute('Store', { v: 7 }, cb));
    expect((stored.data as { results: unknown }).results).to.equal(1);
  });

  it('publishes and subscribes over MQTT with its own client and reads the message history', async () => {
    await init({ email: 'user@test.local', password: 'user-pass-1' });
    const connected = new Promise<unknown>((resolve) => {
      messaging = sdk.Messaging({ hosts: '127.0.0.1', ports: w.tp.ports.mqtt }, resolve);
    });
    await connected;
    const m = messaging;
    if (m === undefined) throw new Error('no messaging');
    const subscribed = waitFor(w.tp.platform.broker, 'subscribed', (e) => e.filter === 'sdk/node/#', {
      what: 'the SDK client subscribed',
    });
    const received = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message')), 5000);
      m.subscribe('sdk/node/#', {}, (msg) => {
        clearTimeout(timer);
        resolve(msg.toString());
      });
    });
    await subscribed;
    m.publish('sdk/node/t', 'hello from the node sdk');
    expect(await received).to.equal('hello from the node sdk');
    const history = await call((cb) => m.getMessageHistory('sdk/node/t', 0, 10, cb));
    expect(history.err).to.equal(false);
    expect((history.data as Array<{ message: string }>).map((h) => h.message)).to.deep.equal([
      'hello from the node sdk',
    ]);
  });
});
