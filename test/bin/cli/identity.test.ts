import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';
import { loginArgs, runCaptured, type CliRun } from './cli-world.js';

describe('isobar login, systems, users, devices, roles', () => {
  let tp: TestPlatform;
  let home: string;
  const run = (...argv: string[]): Promise<CliRun> => runCaptured(argv, { ISOBAR_HOME: home });
  const json = async <T>(...argv: string[]): Promise<T> => {
    const r = await run(...argv, '--json');
    expect(r.code, r.err).to.equal(0);
    return JSON.parse(r.out) as T;
  };

  before(async () => {
    tp = await startTestPlatform();
  });
  after(() => tp.close({ removeData: true }));
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'isobar-home-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('logs in and keeps the token in a file only its owner can read', async () => {
    const r = await run(...loginArgs(tp.url));
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.include('logged in');
    const file = join(home, 'credentials.json');
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const creds = JSON.parse(readFileSync(file, 'utf8')) as { token: string; url: string };
    expect(creds.url).to.equal(tp.url);
    expect(tp.platform.identity.verifyToken(creds.token).kind).to.equal('developer');
  });

  it('reports a wrong password with its code and exit 1, and asks to log in first', async () => {
    const bad = await run('login', '--url', tp.url, '--email', 'admin@test.local', '--password', 'nope');
    expect(bad.code).to.equal(1);
    expect(bad.err).to.include('CB_ERR_AUTH_BAD_CREDENTIALS');
    const notLogged = await run('systems', 'list');
    expect(notLogged.code).to.equal(2);
    expect(notLogged.err).to.include('isobar login');
  });

  it('walks through systems, users, devices and roles', async () => {
    await run(...loginArgs(tp.url));
    const sys = await json<{ appID: string }>('systems', 'create', 'CliSys', '--token-ttl', '600');
    expect((await run('systems', 'use', sys.appID)).code).to.equal(0);
    const table = await run('systems', 'list');
    expect(table.out)
      .to.match(/^APPID\s+NAME/m)
      .and.include('CliSys');

    const user = await json<{ user_id: string }>(
      'users',
      'create',
      'cli@x',
      '--password',
      'cli-pass-1',
      '--field',
      'age=42',
    );
    const listed = await json<Array<{ email: string; age: number }>>('users', 'list');
    expect(listed.find((u) => u.email === 'cli@x')?.age).to.equal(42);

    const role = await json<{ role_id: string }>(
      'roles',
      'create',
      'Sensors',
      '--topic',
      'sensors/#=3',
      '--service',
      'Hello',
    );
    await json('users', 'update', user.user_id, '--add-role', 'Sensors');
    const userRoles = await json<Array<{ Name: string }>>('users', 'roles', user.user_id);
    expect(userRoles.map((r) => r.Name)).to.deep.equal(['Authenticated', 'Sensors']);

    await json('devices', 'create', 'cli-dev', '--key', 'cli-dev-key-1', '--type', 'sensor');
    const devRoles = await json<Array<{ Name: string }>>(
      'devices',
      'roles',
      'cli-dev',
      '--add-role',
      role.role_id,
    );
    expect(devRoles.map((r) => r.Name)).to.include('Sensors');
    const login = await tp.platform.identity.loginDevice(sys.appID, 'cli-dev', 'cli-dev-key-1');
    const p = tp.platform.identity.verifyToken(login.token);
    expect(tp.platform.identity.topicAllowed(p, sys.appID, 'sensors/1', 'publish')).to.equal(true);

    const roles = await run('roles', 'list');
    expect(roles.out).to.include('sensors/#=3');
    await json('roles', 'update', 'Sensors', '--topic', 'sensors/#=0');
    expect(tp.platform.identity.topicAllowed(p, sys.appID, 'sensors/1', 'publish')).to.equal(false);

    expect((await run('devices', 'delete', 'cli-dev')).code).to.equal(0);
    expect((await run('users', 'delete', user.user_id)).code).to.equal(0);
    expect((await run('roles', 'delete', 'Sensors')).code).to.equal(0);
    const gone = await run('roles', 'delete', 'Sensors');
    expect(gone.code).to.equal(1);
    expect(gone.err).to.include('CB_ERR_ROLE_UNKNOWN');
    expect((await run('systems', 'delete', sys.appID)).code).to.equal(0);
  });

  it('has --help for every command and action, and refuses unknown options', async () => {
    for (const cmd of ['login', 'systems', 'users', 'devices', 'roles']) {
      const r = await run(cmd, '--help');
      expect(r.code, cmd).to.equal(0);
      expect(r.out).to.include(`isobar ${cmd}`);
    }
    const action = await run('roles', 'create', '--help');
    expect(action.out).to.include('--topic');
    const unknown = await run('users', 'list', '--bogus');
    expect(unknown.code).to.equal(2);
  });

  it('logs out: the stored token is revoked', async () => {
    await run(...loginArgs(tp.url));
    const { token } = JSON.parse(readFileSync(join(home, 'credentials.json'), 'utf8')) as { token: string };
    expect((await run('login', '--logout')).code).to.equal(0);
    expect(() => tp.platform.identity.verifyToken(token))
      .to.throw()
      .with.property('code', 'CB_ERR_AUTH_INVALID_TOKEN');
  });
});
