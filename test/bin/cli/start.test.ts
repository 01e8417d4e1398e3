import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_LISTENERS, spawnCli } from './spawn-cli.js';

/** A port this test holds open, so the platform's listen on it must fail. */
async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));
  expect(lines, stderr).to.have.length(1);
  expect(stderr, 'no stack trace').not.to.match(/^\s+at /m);
  return lines[0];
}

describe('isobar start: readable start-up failures and log formats', function () {
  // Each test starts a real process (compiling TypeScript through tsx when dist/ is stale).
  this.timeout(90_000);
  let dir: string;
  let held: Server | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'isobar-start-'));
  });

  /** `isobar start` with only the listeners `env` opens, its data under this test's dir (unless `env` says). */
  const start = (env: Readonly<Record<string, string>> = {}) =>
    spawnCli(['start'], { ...NO_LISTENERS, ISOBAR_DATA_DIR: join(dir, 'data'), ...env });
  /** A port held until the test ends, so the platform's listen on it fails. */
  const takenPort = async (): Promise<number> => {
    const { server, port } = await holdPort();
    held = server;
    return port;
  };
  afterEach(async () => {
    if (held !== undefined) await new Promise((resolve) => held?.close(resolve));
    held = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints one line naming ISOBAR_HTTP_PORT and exits 1 when the HTTP port is taken', async () => {
    const port = await takenPort();
    const cli = start({ ISOBAR_HTTP_PORT: String(port) });
    expect(await cli.exited()).to.equal(1);
    const line = oneLine(cli.stderr());
    expect(line).to.equal(
      `isobar: port ${port} (ISOBAR_HTTP_PORT) is already in use — stop the other process or set ISOBAR_HTTP_PORT [CB_ERR_START_PORT_IN_USE]`,
    );
    expect(existsSync(join(dir, 'data', 'isobar.pid')), 'lock released').to.equal(false);
  });

  it('names ISOBAR_MQTT_PORT and still exits when HTTP was already listening', async () => {
    const port = await takenPort();
    const cli = start({ ISOBAR_HTTP_PORT: '0', ISOBAR_MQTT_PORT: String(port) });
    expect(await cli.exited()).to.equal(1);
    expect(oneLine(cli.stderr())).to.contain(`port ${port} (ISOBAR_MQTT_PORT) is already in use`);
  });

  it('explains a data dir that cannot be written (a path under a regular file: holds even as root)', async () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'not a directory');
    const cli = start({ ISOBAR_DATA_DIR: join(file, 'data') });
    expect(await cli.exited()).to.equal(1);
    const line = oneLine(cli.stderr());
    expect(line).to.contain(`data directory ${join(file, 'data')} (ISOBAR_DATA_DIR) is not writable`);
    expect(line).to.contain('[CB_ERR_START_DATA_DIR]');
  });

  it('refuses a data dir another live process holds (isobar.pid)', async () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    // This test process stands in for a running platform: its pid is alive.
    writeFileSync(join(data, 'isobar.pid'), `${process.pid}\n`);
    const cli = start({ ISOBAR_DATA_DIR: data });
    expect(await cli.exited()).to.equal(1);
    const line = oneLine(cli.stderr());
    expect(line).to.contain(`in use by another Isobar process (pid ${process.pid})`);
    expect(line).to.contain('[CB_ERR_START_DATA_DIR_IN_USE]');
    expect(readFileSync(join(data, 'isobar.pid'), 'utf8').trim(), 'lock kept').to.equal(String(process.pid));
  });

  it('reports every bad setting in one line and exits 2', async () => {
    const cli = start({ ISOBAR_HTTP_PORT: 'abc', ISOBAR_LOG_FORMAT: 'fancy' });
    expect(await cli.exited()).to.equal(2);
    const line = oneLine(cli.stderr());
    expect(line).to.match(/^isobar: Invalid configuration: /);
    expect(line).to.contain('ISOBAR_HTTP_PORT');
    expect(line).to.contain('ISOBAR_LOG_FORMAT');
  });

  for (const format of ['json', 'pretty'] as const) {
    it(`writes ${format} log lines on stderr with ISOBAR_LOG_FORMAT=${format}, and stops on SIGTERM with 0`, async () => {
      const cli = start({ ISOBAR_HTTP_PORT: '0', ISOBAR_LOG_FORMAT: format });
      await cli.waitForStdout(/^isobar ready \{.*\}$/m);
      expect(existsSync(join(dir, 'data', 'isobar.pid')), 'lock held while running').to.equal(true);
      cli.child.kill('SIGTERM');
      expect(await cli.exited()).to.equal(0);
      expect(existsSync(join(dir, 'data', 'isobar.pid')), 'lock released').to.equal(false);
      const lines = cli
        .stderr()
        .split('\n')
        .filter((l) => l !== '');
      const firstStart = lines.find((l) => l.includes('first start: created the first developer'));
      const shutdown = lines.find((l) => l.includes('shutting down'));
      expect(firstStart, cli.stderr()).to.be.a('string');
      expect(shutdown, cli.stderr()).to.be.a('string');
      for (const line of [firstStart, shutdown]) {
        if (format === 'json') {
          expect(JSON.parse(line ?? '')).to.include({ level: 30, app: 'isobar' });
        } else {
          expect(line).to.match(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}/);
          expect(() => JSON.parse(line ?? '')).to.throw();
        }
      }
      // The banner and the ready line stay on stdout, never between log lines.
      expect(cli.stdout()).to.contain('Isobar first start');
      expect(cli.stderr()).not.to.contain('isobar ready');
    });
  }
});
