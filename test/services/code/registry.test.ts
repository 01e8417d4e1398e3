import { expect } from 'chai';
import { codeFixture, runBundle, SYSTEM_KEY, OTHER_SYSTEM, type CodeFixture } from './fixtures.js';
import type { RegistryChange } from '../../../services/code/types.js';

const hello = 'function Hello(req, resp) { resp.success("hi " + req.params.who); }';

describe('code registry', () => {
  let f: CodeFixture;
  let changes: RegistryChange[];
  beforeEach(async () => {
    changes = [];
    f = await codeFixture({
      onChange: (c) => {
        changes.push(c);
      },
    });
  });
  afterEach(() => f.close());

  it('creates a service with ClearBlade defaults and returns params on read', async () => {
    const created = await f.registry.create(SYSTEM_KEY, 'Hello', { code: hello, parameters: ['who'] });
    expect(created).to.include({
      name: 'Hello',
      code: hello,
      dependencies: '',
      run_user: '',
      execution_timeout: 60,
      auto_restart: false,
      concurrency: 0,
      logging_enabled: false,
      log_ttl_minutes: 10080,
      current_version: 1,
    });
    expect(created.params).to.deep.equal(['who']);
    expect(f.registry.names(SYSTEM_KEY)).to.deep.equal(['Hello']);
    expect(f.registry.names(OTHER_SYSTEM)).to.deep.equal([]);
    expect(changes.map((c) => c.kind)).to.deep.equal(['saved']);
  });

  it('refuses a duplicate name and an invalid name', async () => {
    await f.registry.create(SYSTEM_KEY, 'Hello', { code: hello });
    const dup = await f.registry.create(SYSTEM_KEY, 'Hello', { code: hello }).catch((e: unknown) => e);
    expect(dup).to.have.property('code', 'CB_ERR_CODE_SERVICE_EXISTS');
    const bad = await f.registry.create(SYSTEM_KEY, '../x', { code: hello }).catch((e: unknown) => e);
    expect(bad).to.have.property('code', 'CB_ERR_CODE_BAD_NAME');
  });

  it('refuses out-of-range settings', async () => {
    const err = await f.registry
      .create(SYSTEM_KEY, 'Hello', { code: hello, execution_timeout: -5 })
      .catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_CODE_BAD_DEFINITION');
  });

  it('makes every update a new immutable version and keeps the old ones readable', async () => {
    await f.registry.create(SYSTEM_KEY, 'Hello', { code: hello });
    const v2 = await f.registry.update(SYSTEM_KEY, 'Hello', {
      code: 'function Hello(req, resp) { resp.success(2); }',
    });
    expect(v2.current_version).to.equal(2);
    const v3 = await f.registry.update(SYSTEM_KEY, 'Hello', { run_user: '' });
    expect(v3.current_version).to.equal(3);
    expect(v3.code).to.contain('success(2)');
    const versions = await f.registry.versions(SYSTEM_KEY, 'Hello');
    expect(versions.map((v) => [v.version, v.current])).to.deep.equal([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect((await f.registry.version(SYSTEM_KEY, 'Hello', 1)).code).to.equal(hello);
    const missing = await f.registry.version(SYSTEM_KEY, 'Hello', 9).catch((e: unknown) => e);
    expect(missing).to.have.property('code', 'CB_ERR_CODE_VERSION_UNKNOWN');
  });

  it('rolls back by making a new version with the old content', async () => {
    await f.registry.create(SYSTEM_KEY, 'Hello', { code: hello, parameters: ['who'] });
    await f.registry.update(SYSTEM_KEY, 'Hello', {
      code: 'function Hello(req, resp) { resp.success(2); }',
      execution_timeout: 5,
    });
    const back = await f.registry.rollback(SYSTEM_KEY, 'Hello', 1);
    expect(back).to.include({ current_version: 3, code: hello, execution_timeout: 60 });
    expect((await f.registry.version(SYSTEM_KEY, 'Hello', 3)).rolled_back_from).to.equal(1);
    expect(runBundle(f.registry.get(SYSTEM_KEY, 'Hello').bundle, 'Hello', { who: 'x' })).to.equal('hi x');
  });

  it('keeps versions and the logging switch across a reload from the database', async () => {
    await f.registry.create(SYSTEM_KEY, 'Hello', { code: hello });
    await f.registry.update(SYSTEM_KEY, 'Hello', { code: hello, concurrency: 2 });
    await f.registry.setLogging(SYSTEM_KEY, 'Hello', true);
    const { createRegistry } = await import('../../../services/code/registry.js');
    const again = createRegistry({ store: f.store, clock: f.clock, libraries: f.libraries });
    await again.load();
    expect(again.get(SYSTEM_KEY, 'Hello').record).to.include({
      current_version: 2,
      concurrency: 2,
      logging_enabled: true,
    });
  });

  it('deletes a service with its versions', async () => {
    await f.registry.create(SYSTEM_KEY, 'Hello', { code: hello });
    await f.registry.remove(SYSTEM_KEY, 'Hello');
    expect(f.registry.find(SYSTEM_KEY, 'Hello')).to.equal(undefined);
    const rows = await f.store.db.selectFrom('code_service_versions').selectAll().execute();
    expect(rows).to.have.length(0);
    expect(changes.at(-1)).to.deep.equal({ kind: 'deleted', systemKey: SYSTEM_KEY, name: 'Hello' });
    const err = await f.registry.remove(SYSTEM_KEY, 'Hello').catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_CODE_SERVICE_UNKNOWN');
  });

  it('refuses an upload the engine cannot prepare and keeps the current version', async () => {
    let refuse = false;
    await f.close();
    f = await codeFixture({
      prepare: () => (refuse ? Promise.reject(new Error('no')) : Promise.resolve()),
    });
    await f.registry.create(SYSTEM_KEY, 'Hello', { code: hello });
    refuse = true;
    const err = await f.registry.update(SYSTEM_KEY, 'Hello', { code: hello }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    expect(f.registry.get(SYSTEM_KEY, 'Hello').record.current_version).to.equal(1);
    expect(await f.registry.versions(SYSTEM_KEY, 'Hello')).to.have.length(1);
  });

  it('validates run_user against the system users', async () => {
    await f.close();
    f = await codeFixture({ userExists: (_sk, id) => id === 'u1' });
    await f.registry.create(SYSTEM_KEY, 'Hello', { code: hello, run_user: 'u1' });
    const err = await f.registry.update(SYSTEM_KEY, 'Hello', { run_user: 'nobody' }).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_CODE_RUN_USER_UNKNOWN');
  });

  it('lets only developers set, keep or clear run_user (CB_ERR_CODE_RUN_USER_FORBIDDEN)', async () => {
    await f.close();
    f = await codeFixture({ userExists: (_sk, id) => id === 'u1' || id === 'u2' });
    const user = { kind: 'user', id: 'u2' } as const;
    const refused = await f.registry
      .create(SYSTEM_KEY, 'Hello', { code: hello, run_user: 'u1' }, user)
      .catch((e: unknown) => e);
    expect(refused).to.have.property('code', 'CB_ERR_CODE_RUN_USER_FORBIDDEN');
    expect(f.registry.find(SYSTEM_KEY, 'Hello')).to.equal(undefined);
    await f.registry.create(
      SYSTEM_KEY,
      'Hello',
      { code: hello, run_user: 'u1' },
      { kind: 'developer', id: 'dev1' },
    );
    for (const input of [{ description: 'x' }, { run_user: '' }, { run_user: 'u2' }]) {
      const err = await f.registry.update(SYSTEM_KEY, 'Hello', input, user).catch((e: unknown) => e);
      expect(err, JSON.stringify(input)).to.have.property('code', 'CB_ERR_CODE_RUN_USER_FORBIDDEN');
    }
    expect(f.registry.get(SYSTEM_KEY, 'Hello').record).to.include({ current_version: 1, run_user: 'u1' });
  });

  it('keeps who saved each version: new source makes the saver the author, switches and rollbacks do not', async () => {
    const user = { kind: 'user', id: 'u1' } as const;
    const dev = { kind: 'developer', id: 'dev1' } as const;
    const v1 = await f.registry.create(SYSTEM_KEY, 'Hello', { code: hello }, user);
    expect(v1.created_by).to.deep.equal(user);
    // A developer changing a switch does not lend the developer's rights to the user's code.
    const v2 = await f.registry.update(SYSTEM_KEY, 'Hello', { execution_timeout: -1 }, dev);
    expect(v2.created_by).to.deep.equal(user);
    const v3 = await f.registry.update(
      SYSTEM_KEY,
      'Hello',
      { code: 'function Hello(r, s) { s.success(3); }' },
      dev,
    );
    expect(v3.created_by).to.deep.equal(dev);
    const v4 = await f.registry.rollback(SYSTEM_KEY, 'Hello', 1);
    expect(v4.created_by).to.deep.equal(user);
    // A user's save of anything (even the same source) makes the user the author.
    await f.registry.update(SYSTEM_KEY, 'Hello', { code: 'function Hello(r, s) { s.success(5); }' }, dev);
    const v6 = await f.registry.update(
      SYSTEM_KEY,
      'Hello',
      { description: 'd' },
      { kind: 'device', id: 'd1' },
    );
    expect(v6.created_by).to.deep.equal({ kind: 'device', id: 'd1' });
    // Saves the platform makes itself (edge deployments) keep the author; a new one is the owner's.
    const v7 = await f.registry.update(SYSTEM_KEY, 'Hello', { description: 'e' });
    expect(v7.created_by).to.deep.equal({ kind: 'device', id: 'd1' });
    expect((await f.registry.create(SYSTEM_KEY, 'Other', { code: hello })).created_by).to.deep.equal({
      kind: 'developer',
      id: '',
    });
    const history = await f.registry.versions(SYSTEM_KEY, 'Hello');
    expect(history.map((v) => v.created_by.kind)).to.deep.equal([
      'user',
      'user',
      'developer',
      'user',
      'developer',
      'device',
      'device',
    ]);
    // After a restart the authors come back from the store.
    await f.registry.load();
    expect(f.registry.get(SYSTEM_KEY, 'Hello').record.created_by).to.deep.equal({ kind: 'device', id: 'd1' });
  });

  it('serialises concurrent updates of one service into consecutive versions', async () => {
    await f.registry.create(SYSTEM_KEY, 'Hello', { code: hello });
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        f.registry.update(SYSTEM_KEY, 'Hello', { code: `function Hello(req, resp) { resp.success(${n}); }` }),
      ),
    );
    expect(results.map((r) => r.current_version).sort()).to.deep.equal([2, 3, 4, 5]);
  });
});
