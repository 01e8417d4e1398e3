import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clearBladeHeaders, createRestClient, RestError } from '../../../bin/cli/rest-client.js';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';
import { runCaptured, type CliRun } from './cli-world.js';

/** The developer test/helpers/platform.ts creates (password admin-pass-1). */
const ADMIN = 'admin@test.local';

/** The database of the platform under test (ISOBAR_TEST_PG=1: its PostgreSQL database, else none). */
let databaseEnv: Record<string, string> = {};

/** `isobar admin reset-password --data-dir <dataDir> …more` against the platform under test's database. */
function resetPassword(dataDir: string, ...more: string[]): Promise<CliRun> {
  return runCaptured(['admin', 'reset-password', '--data-dir', dataDir, ...more], databaseEnv);
}

async function start(dataDir?: string): Promise<TestPlatform> {
  const started = await startTestPlatform({ dataDir });
  const url = started.config.store.databaseUrl;
  databaseEnv = url === undefined ? {} : { ISOBAR_DATABASE_URL: url };
  return started;
}

async function login(url: string, email: string, password: string): Promise<string> {
  const rest = createRestClient(url);
  const body = await rest.request<{ dev_token: string }>('POST', '/admin/auth', {
    body: { email, password },
  });
  return body.dev_token;
}

describe('isobar admin reset-password', function () {
  this.timeout(30_000);
  let tp: TestPlatform | undefined;

  afterEach(async () => {
    await tp?.close({ removeData: true });
    tp = undefined;
    databaseEnv = {};
  });

  it('sets a generated password on the stopped data dir, prints it once; it logs in over REST and the old one does not', async () => {
    tp = await start();
    const dataDir = tp.dataDir;
    const oldToken = await login(tp.url, ADMIN, 'admin-pass-1');
    await tp.close();

    const r = await resetPassword(dataDir);
    expect(r.code, r.err).to.equal(0);
    const match = /new password {3}(\S+) {3}<- generated, shown only this once/.exec(r.out);
    expect(match, r.out).not.to.equal(null);
    const password = match?.[1] ?? '';
    // First start and our login each made a developer token: both are ended.
    expect(r.out).to.contain(`password of ${ADMIN} changed (2 sessions ended)`);

    tp = await start(dataDir);
    expect(await login(tp.url, ADMIN, password)).to.be.a('string');
    const old = await login(tp.url, ADMIN, 'admin-pass-1').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(old).to.be.instanceOf(RestError).with.property('code', 'CB_ERR_AUTH_BAD_CREDENTIALS');
    // The reset ends the sessions made with the old password.
    const listed = await createRestClient(tp.url, clearBladeHeaders.dev(oldToken))
      .request('GET', '/admin/allsystems')
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(listed).to.be.instanceOf(RestError).with.property('statusCode', 401);
  });

  it('takes --email and --password, and refuses a weak password with its code', async () => {
    tp = await start();
    const dataDir = tp.dataDir;
    await tp.close();
    const weak = await resetPassword(dataDir, '--password', 'short');
    expect(weak.code).to.equal(1);
    expect(weak.err).to.match(/\[CB_ERR_\w+\]\n$/);
    const unknown = await resetPassword(dataDir, '--email', 'x@y.z');
    expect(unknown.code).to.equal(1);
    expect(unknown.err).to.contain('[CB_ERR_ADMIN_NO_DEVELOPER]');
    const newPassword = 'a-new-long-passphrase';
    const r = await resetPassword(dataDir, '--email', ADMIN, '--password', newPassword);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).not.to.contain('generated');
    tp = await start(dataDir);
    expect(await login(tp.url, ADMIN, newPassword)).to.be.a('string');
  });

  it('refuses while another live process holds the data dir', async () => {
    tp = await start();
    const dataDir = tp.dataDir;
    await tp.close();
    // Our parent (mocha's shell) stands in for a running platform: its pid is alive and not ours.
    writeFileSync(join(dataDir, 'isobar.pid'), `${process.ppid}\n`);
    const r = await resetPassword(dataDir);
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('[CB_ERR_START_DATA_DIR_IN_USE]');
    expect(r.out).to.equal('');
  });

  it('does not create a data dir that is not there', async () => {
    const r = await resetPassword('/nonexistent/isobar-data');
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('[CB_ERR_ADMIN_NO_DEVELOPER]');
  });
});
