import { expect } from 'chai';
import type { BrokerMessage } from '../../../broker/types.js';
import type { HistoryRecord } from '../../../services/history/query.js';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';
import { clearBladeHeaders, createRestClient } from '../../../bin/cli/rest-client.js';

interface ErrorReply {
  statusCode: number;
  code: string;
}

describe('history REST routes', () => {
  let tp: TestPlatform;
  let systemKey: string;
  let devToken: string;
  const tokens: Record<'reader' | 'deleter' | 'nobody', string> = { reader: '', deleter: '', nobody: '' };

  const call = async <T>(method: string, path: string, token: string, body?: unknown) => {
    const headers = token === devToken ? clearBladeHeaders.dev(token) : clearBladeHeaders.user(token);
    const reply = await createRestClient(tp.url, headers).send<T>(method, path, { body });
    return { status: reply.status, body: reply.body };
  };
  const publish = (topic: string, payload: string | Buffer, time = Date.now()): void => {
    const m: BrokerMessage = {
      systemKey,
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
      qos: 1,
      retain: false,
      publisher: { kind: 'device', id: 'dev-7', name: 'dev-7', systemKey },
      address: '192.0.2.7',
      hop: 0,
      time,
    };
    tp.platform.history.capture.capture(m);
  };
  const userWith = async (email: string, level: number | undefined): Promise<string> => {
    const { identity } = tp.platform;
    const user = await identity.registerUser(systemKey, email, 'pw-123456');
    if (level !== undefined) {
      const role = await identity.createRole(systemKey, {
        name: `history-${String(level)}`,
        changes: { msgHistory: { permissions: level } },
      });
      await identity.changeRoles(systemKey, 'user', user.user_id, { add: [role.id] });
    }
    return (await identity.loginUser(systemKey, email, 'pw-123456')).token;
  };

  const start = async (dataDir?: string) => {
    tp = await startTestPlatform({ dataDir });
    devToken = (await tp.platform.identity.loginDeveloper('admin@test.local', 'admin-pass-1')).token;
  };

  beforeEach(async () => {
    await start();
    const dev = await tp.platform.identity.developerByEmail('admin@test.local');
    systemKey = (await tp.platform.identity.createSystem(dev?.id ?? '', { name: 'history' })).systemKey;
    tokens.reader = await userWith('reader@x.io', 1);
    tokens.deleter = await userWith('deleter@x.io', 9);
    tokens.nobody = await userWith('nobody@x.io', undefined);
  });
  afterEach(async () => {
    await tp.close({ removeData: true });
  });

  it('answers records carrying both ClearBlade key sets to a user with msgHistory read', async () => {
    publish('sensors/1/temp', '21.5', 1_764_000_000_000);
    const r = await call<HistoryRecord[]>(
      'GET',
      `/api/v/1/message/${systemKey}?topic=sensors/1/temp&count=10&last=-1`,
      tokens.reader,
    );
    expect(r.status).to.equal(200);
    expect(r.body).to.have.length(1);
    expect(r.body[0]).to.include({
      topicid: 'sensors/1/temp',
      'topic-id': 'sensors/1/temp',
      ip: '192.0.2.7',
      time: 1_764_000_000,
      'send-date': 1_764_000_000,
      time_ms: 1_764_000_000_000,
      payloadsize: 4,
      payload: '21.5',
      message: '21.5',
      userid: 'dev-7',
      'user-id': 'dev-7',
      qos: 1,
    });
    expect(r.body[0].id).to.be.a('string');
  });

  it('reads a topic holding a literal + sent unencoded, as the Node SDK does', async () => {
    publish('a+b/c', 'plus');
    const r = await call<HistoryRecord[]>(
      'GET',
      `/api/v/1/message/${systemKey}?topic=a+b/c&count=1&last=${String(Date.now() / 1000 + 60)}`,
      tokens.reader,
    );
    expect(r.body.map((m) => m.payload)).to.deep.equal(['plus']);
  });

  it('returns a binary payload in payload_base64', async () => {
    const bytes = Buffer.from([0, 1, 254, 255]);
    publish('bin', bytes);
    const r = await call<HistoryRecord[]>('GET', `/api/v/1/message/${systemKey}?topic=bin`, tokens.reader);
    expect(Buffer.from(r.body[0].payload_base64 ?? '', 'base64').equals(bytes)).to.equal(true);
  });

  it('refuses a user without msgHistory read with 403 CB_ERR_HISTORY_FORBIDDEN', async () => {
    const r = await call<ErrorReply>('GET', `/api/v/1/message/${systemKey}?topic=t`, tokens.nobody);
    expect(r.status).to.equal(403);
    expect(r.body).to.include({ code: 'CB_ERR_HISTORY_FORBIDDEN', statusCode: 403 });
    const topics = await call<ErrorReply>(
      'GET',
      `/api/v/1/message/${systemKey}/currentTopics`,
      tokens.nobody,
    );
    expect(topics.body).to.have.property('code', 'CB_ERR_HISTORY_FORBIDDEN');
  });

  it('refuses DELETE to a reader and lets msgHistory 8 delete, answering the deleted records', async () => {
    publish('t', 'one', 1_764_000_000_000);
    publish('t', 'two', 1_764_000_001_000);
    const denied = await call<ErrorReply>('DELETE', `/api/v/1/message/${systemKey}?topic=t`, tokens.reader);
    expect(denied.body).to.have.property('code', 'CB_ERR_HISTORY_FORBIDDEN');
    const r = await call<HistoryRecord[]>(
      'DELETE',
      `/api/v/1/message/${systemKey}?topic=t&count=1&start=1764000000&stop=1764000000`,
      tokens.deleter,
    );
    expect(r.status).to.equal(200);
    expect(r.body.map((m) => m.payload)).to.deep.equal(['one']);
    const left = await call<HistoryRecord[]>('GET', `/api/v/1/message/${systemKey}?topic=t`, tokens.reader);
    expect(left.body.map((m) => m.payload)).to.deep.equal(['two']);
  });

  it('lists current topics', async () => {
    publish('b/2', 'x');
    publish('a/1', 'y');
    const r = await call<string[]>('GET', `/api/v/1/message/${systemKey}/currentTopics`, tokens.reader);
    expect(r.body).to.deep.equal(['a/1', 'b/2']);
  });

  for (const [title, query] of [
    ['a non-numeric count', 'topic=t&count=abc'],
    ['a negative count', 'topic=t&count=-1'],
    ['start after stop', 'topic=t&start=200&stop=100'],
    ['no topic', 'count=5'],
  ] as const) {
    it(`answers 400 CB_ERR_HISTORY_BAD_QUERY for ${title}`, async () => {
      const r = await call<ErrorReply>('GET', `/api/v/1/message/${systemKey}?${query}`, tokens.reader);
      expect(r.status).to.equal(400);
      expect(r.body).to.have.property('code', 'CB_ERR_HISTORY_BAD_QUERY');
    });
  }

  it('answers an empty list for an unknown topic', async () => {
    const r = await call<unknown[]>(
      'GET',
      `/api/v/1/message/${systemKey}?topic=never/used&count=5`,
      tokens.reader,
    );
    expect(r).to.deep.equal({ status: 200, body: [] });
  });

  it('lets the developer read and replace storage filters and auto-delete', async () => {
    const initial = await call<unknown[]>('GET', `/api/v/4/message/${systemKey}/storage`, devToken);
    expect(initial.body).to.deep.equal([{ topic: '#', max_rows: 10_000, max_time: 0 }]);
    const filters = [{ topic: 'sensors/#', max_rows: 100, max_time: 3600 }];
    expect(
      (await call('PUT', `/api/v/4/message/${systemKey}/storage`, devToken, filters)).body,
    ).to.deep.equal(filters);
    expect((await call('GET', `/api/v/4/message/${systemKey}/storage`, devToken)).body).to.deep.equal(
      filters,
    );
    const auto = { enabled: true, max_size_kb: 1024, max_rows: 5000, expiration_age_seconds: 86400 };
    expect(
      (await call('PUT', `/api/v/4/message/${systemKey}/autodelete`, devToken, auto)).body,
    ).to.deep.equal(auto);
    expect((await call('GET', `/api/v/4/message/${systemKey}/autodelete`, devToken)).body).to.deep.equal(
      auto,
    );
    publish('other/topic', 'not stored');
    const topics = await call<string[]>('GET', `/api/v/1/message/${systemKey}/currentTopics`, devToken);
    expect(topics.body).to.deep.equal([]);
  });

  it('refuses settings changes from a user token and invalid filters from the developer', async () => {
    const user = await call<ErrorReply>('PUT', `/api/v/4/message/${systemKey}/storage`, tokens.deleter, []);
    expect(user.status).to.equal(401);
    const bad = await call<ErrorReply>('PUT', `/api/v/4/message/${systemKey}/storage`, devToken, [
      { topic: 'a/#/b', max_rows: 1, max_time: 0 },
    ]);
    expect(bad.body).to.have.property('code', 'CB_ERR_HISTORY_BAD_SETTINGS');
  });

  it('keeps history and settings across a platform restart on the same data dir', async () => {
    await call('PUT', `/api/v/4/message/${systemKey}/storage`, devToken, [
      { topic: '#', max_rows: 0, max_time: 0 },
    ]);
    publish('t', 'survivor');
    await tp.close();
    await start(tp.dataDir);
    const reader = (await tp.platform.identity.loginUser(systemKey, 'reader@x.io', 'pw-123456')).token;
    const r = await call<HistoryRecord[]>('GET', `/api/v/1/message/${systemKey}?topic=t`, reader);
    expect(r.body.map((m) => m.payload)).to.deep.equal(['survivor']);
    const storage = await call('GET', `/api/v/4/message/${systemKey}/storage`, devToken);
    expect(storage.body).to.deep.equal([{ topic: '#', max_rows: 0, max_time: 0 }]);
  });

  it('documents every history route in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${tp.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    for (const path of [
      '/api/v/1/message/{systemKey}',
      '/api/v/1/message/{systemKey}/currentTopics',
      '/api/v/4/message/{systemKey}/storage',
      '/api/v/4/message/{systemKey}/autodelete',
    ]) {
      expect(doc.paths).to.have.property(path);
    }
  });
});
