import { expect } from 'chai';
import { newDeveloper, newSystem, newUser, useDevWorld, type DevSession } from '../helpers.js';

describe('identity REST: systems', () => {
  const w = useDevWorld();
  let other: DevSession;
  before(async () => {
    other = await newDeveloper(w.a, w.dev, 'other@dev');
  });

  it('creates a system with ClearBlade-shaped key and secret and the three default roles', async () => {
    const s = await w.a.ok<Record<string, unknown>>('POST', '/admin/systemmanagement', {
      headers: w.dev.headers,
      body: {
        name: 'Plant',
        description: 'd',
        token_ttl: 600,
        duplicate_client_id: 'takeover',
        auth_required: true,
      },
    });
    expect(s.appID).to.match(/^[0-9a-f]{30}$/);
    expect(s.appSecret).to.match(/^[0-9A-F]{30}$/);
    expect(s).to.include({
      name: 'Plant',
      description: 'd',
      token_ttl: 600,
      duplicate_client_id: 'takeover',
    });
    const got = await w.a.ok('GET', `/admin/systemmanagement?id=${String(s.appID)}`, {
      headers: w.dev.headers,
    });
    expect(got).to.deep.equal(s);
    const roles = await w.a.ok<Array<{ ID: string }>>('GET', `/admin/user/${String(s.appID)}/roles`, {
      headers: w.dev.headers,
    });
    expect(roles.map((r) => r.ID)).to.deep.equal(['Anonymous', 'Authenticated', 'Administrator']);
  });

  it('lists only the calling developer’s systems', async () => {
    const mine = await newSystem(w.a, w.dev, 'Mine');
    const theirs = await newSystem(w.a, other, 'Theirs');
    const list = await w.a.ok<Array<{ appID: string }>>('GET', '/admin/allsystems', {
      headers: w.dev.headers,
    });
    expect(list.map((s) => s.appID))
      .to.include(mine.systemKey)
      .and.not.include(theirs.systemKey);
  });

  it('updates name, description, token_ttl and policy', async () => {
    const s = await newSystem(w.a, w.dev);
    const r = await w.a.ok('PUT', '/admin/systemmanagement', {
      headers: w.dev.headers,
      body: { id: s.systemKey, name: 'Renamed', token_ttl: 60, duplicate_client_id: 'takeover' },
    });
    expect(r).to.include({ name: 'Renamed', token_ttl: 60, duplicate_client_id: 'takeover' });
    expect(w.tp.platform.identity.system(s.systemKey)?.tokenTtl).to.equal(60);
  });

  it('refuses bad settings with 400 and changes nothing', async () => {
    const s = await newSystem(w.a, w.dev, 'Keep');
    await w.a.fails('PUT', '/admin/systemmanagement', 400, 'CB_ERR_HTTP_BAD_REQUEST', {
      headers: w.dev.headers,
      body: { id: s.systemKey, name: 'X', token_ttl: -5 },
    });
    await w.a.fails('PUT', '/admin/systemmanagement', 400, 'CB_ERR_HTTP_BAD_REQUEST', {
      headers: w.dev.headers,
      body: { id: s.systemKey, duplicate_client_id: 'maybe' },
    });
    await w.a.fails('POST', '/admin/systemmanagement', 400, 'CB_ERR_HTTP_BAD_REQUEST', {
      headers: w.dev.headers,
      body: {},
    });
    expect(w.tp.platform.identity.system(s.systemKey)?.name).to.equal('Keep');
  });

  it('answers 404 for an unknown system and 403 for another developer’s', async () => {
    const theirs = await newSystem(w.a, other);
    await w.a.fails('GET', '/admin/systemmanagement?id=0123456789abcdef', 404, 'CB_ERR_SYSTEM_UNKNOWN', {
      headers: w.dev.headers,
    });
    await w.a.fails('GET', `/admin/systemmanagement?id=${theirs.systemKey}`, 403, 'CB_ERR_AUTH_FORBIDDEN', {
      headers: w.dev.headers,
    });
    await w.a.fails('PUT', '/admin/systemmanagement', 403, 'CB_ERR_AUTH_FORBIDDEN', {
      headers: w.dev.headers,
      body: { id: theirs.systemKey, name: 'hijack' },
    });
    await w.a.fails(
      'DELETE',
      `/admin/systemmanagement?id=${theirs.systemKey}`,
      403,
      'CB_ERR_AUTH_FORBIDDEN',
      {
        headers: w.dev.headers,
      },
    );
    await w.a.fails('POST', `/admin/user/${theirs.systemKey}`, 403, 'CB_ERR_AUTH_FORBIDDEN', {
      headers: w.dev.headers,
      body: { email: 'x@y', password: 'p' },
    });
    expect(w.tp.platform.identity.system(theirs.systemKey)?.name).to.equal('Test');
  });

  it('deletes a system: its users’ tokens are revoked and announced, the key is unknown afterwards', async () => {
    const s = await newSystem(w.a, w.dev);
    const user = await newUser(w.a, s, 'gone@x');
    const revoked: string[] = [];
    const deleted: string[] = [];
    const offs = [
      w.tp.platform.events.on('tokens.revoked', (e) => revoked.push(...e.tokens)),
      w.tp.platform.events.on('system.deleted', (e) => deleted.push(e.systemKey)),
    ];
    try {
      await w.a.ok('DELETE', `/admin/systemmanagement?id=${s.systemKey}`, { headers: w.dev.headers });
    } finally {
      for (const off of offs) off();
    }
    expect(revoked).to.include(user.token);
    expect(deleted).to.deep.equal([s.systemKey]);
    await w.a.fails('GET', '/api/v/1/user/info', 401, 'CB_ERR_AUTH_INVALID_TOKEN', { headers: user.headers });
    await w.a.fails('POST', '/api/v/1/user/auth', 404, 'CB_ERR_SYSTEM_UNKNOWN', {
      headers: s.headers,
      body: { email: 'gone@x', password: 'pw-1' },
    });
  });

  it('needs a developer token', async () => {
    await w.a.fails('POST', '/admin/systemmanagement', 401, 'CB_ERR_AUTH_MISSING_TOKEN', {
      body: { name: 'x' },
    });
    await w.a.fails('GET', '/admin/allsystems', 401, 'CB_ERR_AUTH_MISSING_TOKEN');
  });
});
