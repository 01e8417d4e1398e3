// The registry over real HTTP: developer CRUD, versions and rollback, user-level management, libraries.
import { expect } from 'chai';
import { useCodeWorld } from './world.js';

const hello = 'function Hello(req, resp) { resp.success("hello " + req.params.who); }';

describe('code registry over REST', () => {
  const w = useCodeWorld('test');

  it('creates, lists, reads (params), updates and deletes a service with a developer token', async () => {
    const sk = w.systemKey;
    const created = await w.asDev('POST', `/admin/code/v/1/${sk}/Hello`, {
      name: 'Hello',
      code: hello,
      parameters: ['who'],
      dependencies: '',
      run_on_edge: true,
      engine_type: 0,
    });
    expect(created.status).to.equal(200);
    expect(created.body).to.include({ name: 'Hello', current_version: 1, execution_timeout: 60 });
    expect(await w.asDev('GET', `/admin/code/v/1/${sk}`)).to.deep.include({
      status: 200,
      body: { code: ['Hello'] },
    });
    const got = await w.asDev('GET', `/api/v/1/code/${sk}/Hello`);
    expect(got.body).to.include({ code: hello, current_version: 1, log_ttl_minutes: 10080, run_user: '' });
    expect(got.body.params).to.deep.equal(['who']);
    expect(got.body).to.not.have.property('parameters');
    const updated = await w.asDev('PUT', `/admin/code/v/1/${sk}/Hello`, { run_user: null });
    expect(updated.body).to.include({ current_version: 2, code: hello });
    expect((await w.asDev('DELETE', `/admin/code/v/1/${sk}/Hello`)).status).to.equal(200);
    const gone = await w.asDev('GET', `/api/v/1/code/${sk}/Hello`);
    expect(gone).to.deep.include({ status: 404 });
    expect(gone.body.code).to.equal('CB_ERR_CODE_SERVICE_UNKNOWN');
  });

  it('refuses a syntax error at upload with 400 and its line and column', async () => {
    const r = await w.asDev('POST', `/admin/code/v/1/${w.systemKey}/Bad`, {
      code: 'function Bad(req, resp) {\n  resp.success(;\n}',
    });
    expect(r.status).to.equal(400);
    expect(r.body.code).to.equal('CB_ERR_CODE_SYNTAX');
    expect(r.body.message).to.match(/line 2, column 16/);
  });

  it('refuses other developers, users and missing tokens on developer endpoints', async () => {
    const noToken = await w.http('GET', `/admin/code/v/1/${w.systemKey}`);
    expect(noToken.body.code).to.equal('CB_ERR_AUTH_MISSING_TOKEN');
    const user = await w.http('GET', `/admin/code/v/1/${w.systemKey}`, {
      token: w.userToken,
      header: 'ClearBlade-DevToken',
    });
    expect(user.status).to.equal(403);
  });

  it('keeps every version readable and rolls back to an older one', async () => {
    const sk = w.systemKey;
    await w.asDev('POST', `/admin/code/v/1/${sk}/Hello`, { code: hello });
    await w.asDev('PUT', `/admin/code/v/1/${sk}/Hello`, {
      code: 'function Hello(req, resp) { resp.success(2); }',
    });
    const versions = await w.asDev('GET', `/codeadmin/v/2/history/service/${sk}/Hello`);
    expect(
      (versions.body as unknown as Array<{ version: number; current: boolean }>).map((v) => [
        v.version,
        v.current,
      ]),
    ).to.deep.equal([
      [1, false],
      [2, true],
    ]);
    const v1 = await w.asDev('GET', `/codeadmin/v/2/history/service/${sk}/Hello/1`);
    expect(v1.body).to.include({ version: 1, code: hello });
    expect(v1.body.bundle).to.be.a('string');
    const back = await w.asDev('POST', `/codeadmin/v/2/history/service/${sk}/Hello/rollback`, { version: 1 });
    expect(back.body).to.include({ current_version: 3, code: hello });
    const missing = await w.asDev('POST', `/codeadmin/v/2/history/service/${sk}/Hello/rollback`, {
      version: 7,
    });
    expect(missing).to.deep.include({ status: 404 });
  });

  it('sets long-running parameters as a new version', async () => {
    await w.asDev('POST', `/admin/code/v/1/${w.systemKey}/Hello`, { code: hello });
    const r = await w.asDev('PUT', `/codeadmin/v/2/${w.systemKey}/Hello`, {
      concurrency: 2,
      auto_restart: true,
    });
    expect(r.body).to.include({ current_version: 2, concurrency: 2, auto_restart: true });
  });

  it('lets users manage services only with the allservices permission (v3 shapes)', async () => {
    const sk = w.systemKey;
    const asUser = (method: string, path: string, body?: unknown) =>
      w.http(method, path, { body, token: w.userToken, header: 'ClearBlade-UserToken' });
    const denied = await asUser('POST', `/api/v/3/code/${sk}/service/Hello`, {
      code: hello,
      name: 'Hello',
      parameters: [],
      dependencies: '',
    });
    expect(denied.status).to.equal(403);
    await w.grant({ allservices: { permissions: 15 } });
    const created = await asUser('POST', `/api/v/3/code/${sk}/service/Hello`, {
      code: hello,
      name: 'Hello',
      parameters: [],
      dependencies: '',
    });
    expect(created.body).to.deep.equal({
      created: true,
      name: 'Hello',
      uri: `/api/v/3/code/${sk}/service/Hello`,
    });
    const updated = await asUser('PUT', `/api/v/3/code/${sk}/service/Hello`, { code: hello });
    expect(updated.body).to.deep.equal({ uri: `/api/v/3/code/${sk}/service/Hello`, version_number: 2 });
    expect((await asUser('GET', `/api/v/3/code/${sk}`)).body).to.deep.equal({ code: ['Hello'] });
    expect((await asUser('GET', `/api/v/3/code/${sk}/service/Hello`)).body).to.include({
      current_version: 2,
    });
    expect((await asUser('DELETE', `/api/v/3/code/${sk}/service/Hello`)).status).to.equal(200);
  });

  it('manages libraries with versions; a library update re-bundles its dependents', async () => {
    const sk = w.systemKey;
    const lib = await w.asDev('POST', `/codeadmin/v/2/library/${sk}/greet`, {
      code: 'function greet(n) { return "hi " + n; }',
    });
    expect(lib.body).to.include({ name: 'greet', version: 1, visibility: 'system' });
    await w.asDev('POST', `/admin/code/v/1/${sk}/UsesGreet`, {
      code: 'function UsesGreet(req, resp) { resp.success(greet("x")); }',
      dependencies: 'greet,clearblade',
    });
    const updated = await w.asDev('PUT', `/codeadmin/v/2/library/${sk}/greet`, {
      code: 'function greet(n) { return "yo " + n; }',
    });
    expect(updated.body).to.include({ version: 2 });
    expect((await w.asDev('GET', `/api/v/1/code/${sk}/UsesGreet`)).body).to.include({ current_version: 2 });
    expect((await w.asDev('GET', `/codeadmin/v/2/library/${sk}`)).body).to.have.length(1);
    expect((await w.asDev('GET', `/codeadmin/v/2/history/library/${sk}/greet/1`)).body).to.include({
      version: 1,
    });
    const inUse = await w.asDev('DELETE', `/codeadmin/v/2/library/${sk}/greet`);
    expect(inUse.body.code).to.equal('CB_ERR_CODE_LIBRARY_IN_USE');
    const unknown = await w.asDev('POST', `/admin/code/v/1/${sk}/NoLib`, {
      code: 'function NoLib(){}',
      dependencies: 'nope',
    });
    expect(unknown.body.code).to.equal('CB_ERR_CODE_DEPENDENCY_UNKNOWN');
  });

  it('documents every code route in the OpenAPI document', async () => {
    const doc = await w.http('GET', '/openapi.json');
    const paths = Object.keys(doc.body.paths as Record<string, unknown>);
    for (const p of [
      '/admin/code/v/1/{systemKey}/{name}',
      '/api/v/1/code/{systemKey}/{name}',
      '/api/v/3/code/{systemKey}/service/{name}',
      '/codeadmin/v/2/{systemKey}/{name}',
      '/codeadmin/v/2/history/service/{systemKey}/{name}/rollback',
      '/codeadmin/v/2/library/{systemKey}/{name}',
      '/codeadmin/v/2/logs/{systemKey}/{name}/{instanceId}',
      '/codeadmin/v/3/running/{systemKey}',
    ]) {
      expect(paths).to.include(p);
    }
  });
});
