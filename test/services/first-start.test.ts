import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../services/config/load.js';
import { createMemoryLog } from '../../services/kernel/log.js';
import { createPlatform, type Platform } from '../../services/platform.js';
import { tempDataDir } from '../helpers/platform.js';

const PORTS = [
  'http.port',
  'mqtt.tcpPort',
  'mqtt.tlsPort',
  'mqtt.wsPort',
  'mqtt.wssPort',
  'mqtt.authPort',
  'mqtt.authTlsPort',
  'mqtt.authWsPort',
  'mqtt.authWssPort',
];

async function boot(
  dataDir: string,
  password?: string,
): Promise<{ platform: Platform; banner: string; url: string }> {
  const overrides: Record<string, string | number> = {
    dataDir,
    host: '127.0.0.1',
    'log.level': 'silent',
    'admin.email': 'first@isobar',
  };
  for (const k of PORTS) overrides[k] = 0;
  if (password !== undefined) overrides['admin.password'] = password;
  const config = loadConfig({ env: {}, overrides });
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  const platform = await createPlatform(config, { log: createMemoryLog(), out });
  const ports = await platform.start();
  return { platform, banner: chunks.join(''), url: `http://127.0.0.1:${String(ports.http)}` };
}

describe('first start', () => {
  let dataDir: string;
  let platform: Platform | undefined;
  beforeEach(() => {
    dataDir = tempDataDir();
  });
  afterEach(async () => {
    await platform?.close();
    platform = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a weak ISOBAR_ADMIN_PASSWORD at first start with its code, and creates no developer', async () => {
    const overrides: Record<string, string | number> = {
      dataDir,
      host: '127.0.0.1',
      'log.level': 'silent',
      'admin.email': 'first@isobar',
      'admin.password': 'admin',
    };
    for (const k of PORTS) overrides[k] = 0;
    platform = await createPlatform(loadConfig({ env: {}, overrides }), {
      log: createMemoryLog(),
      out: new PassThrough(),
    });
    const err = await platform.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'CB_ERR_IDENTITY_PASSWORD_TOO_SHORT');
    expect(String((err as Error).message)).to.include('ISOBAR_ADMIN_PASSWORD');
    expect(await platform.identity.developerCount()).to.equal(0);
  });

  it('creates the first developer with a generated password and a Default system, and prints them once', async () => {
    const first = await boot(dataDir);
    platform = first.platform;
    const password = /password\s+(\S+)\s+<- generated/.exec(first.banner)?.[1];
    expect(password, first.banner).to.be.a('string');
    const dev = await platform.identity.developerByEmail('first@isobar');
    expect(dev).to.not.equal(undefined);
    const systems = platform.identity.systemsOf(dev?.id ?? '');
    expect(systems.map((s) => s.name)).to.deep.equal(['Default']);
    expect(first.banner)
      .to.include(systems[0].systemKey)
      .and.include(systems[0].systemSecret)
      .and.include(first.url);
    const login = await fetch(`${first.url}/admin/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'first@isobar', password }),
    });
    expect(login.status).to.equal(200);
    await platform.close();

    const second = await boot(dataDir);
    platform = second.platform;
    expect(second.banner).to.not.include(String(password)).and.not.include(systems[0].systemSecret);
    expect(second.banner).to.include(second.url);
    expect(await platform.identity.developerCount()).to.equal(1);
    expect(platform.identity.systemsOf(dev?.id ?? '')).to.have.length(1);
  });

  it('uses ISOBAR_ADMIN_PASSWORD when given and does not print it', async () => {
    const first = await boot(dataDir, 'chosen-pw');
    platform = first.platform;
    expect(first.banner).to.not.include('chosen-pw');
    const token = await platform.identity.loginDeveloper('first@isobar', 'chosen-pw');
    expect(token.token).to.have.length(84);
  });
});
