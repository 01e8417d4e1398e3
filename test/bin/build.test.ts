import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { NO_LISTENERS, spawnCli } from './cli/spawn-cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

describe('ahead-of-time build (npm run build → dist/)', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    // What `prepare` runs at npm install / npm ci.
    await run(process.execPath, ['--import', 'tsx', 'bin/build.ts'], { cwd: root });
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'isobar-build-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes dist/cli.js, the history worker and the list of sources it holds', () => {
    for (const file of ['cli.js', 'writer-worker.js', 'build.json']) {
      expect(existsSync(join(root, 'dist', file)), file).to.equal(true);
    }
    const info = JSON.parse(readFileSync(join(root, 'dist', 'build.json'), 'utf8')) as {
      inputs: string[];
    };
    expect(info.inputs).to.include('bin/cli/index.ts').and.to.include('services/platform.ts');
    expect(
      info.inputs.some((p) => p.startsWith('node_modules/')),
      'packages stay external',
    ).to.equal(false);
  });

  it('runs as plain JavaScript: node dist/cli.js --version, no TypeScript loader', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const { stdout } = await run(process.execPath, [join(root, 'dist', 'cli.js'), '--version']);
    expect(stdout).to.equal(`isobar ${pkg.version}\n`);
  });

  it('bin/isobar.js picks the fresh build, and `start` from dist serves the CLI and runs a service', async () => {
    const env = { ISOBAR_HOME: join(dir, 'home'), ISOBAR_TRACE_ENTRY: '1' };
    const version = spawnCli(['--version'], env);
    expect(await version.exited()).to.equal(0);
    expect(version.stderr()).to.equal('isobar: running dist/\n');

    const server = spawnCli(['start'], {
      ...NO_LISTENERS,
      ...env,
      ISOBAR_DATA_DIR: join(dir, 'data'),
      ISOBAR_HTTP_PORT: '0',
      ISOBAR_ADMIN_EMAIL: 'ops@example.com',
      ISOBAR_ADMIN_PASSWORD: 'a-long-admin-passphrase',
    });
    try {
      const out = await server.waitForStdout(/^isobar ready (\{.*\})$/m);
      expect(server.stderr()).to.contain('isobar: running dist/');
      const ready = JSON.parse(/^isobar ready (\{.*\})$/m.exec(out)?.[1] ?? '{}') as { http: number };
      const systemKey = /systemKey {4}(\w+)/.exec(out)?.[1] ?? '';
      const url = `http://127.0.0.1:${ready.http}`;
      const cli = async (...args: string[]) => {
        const c = spawnCli(args, { ...env, ISOBAR_SYSTEM: systemKey });
        expect(await c.exited(), c.stderr()).to.equal(0);
        return c.stdout();
      };
      await cli('login', '--url', url, '--email', 'ops@example.com', '--password', 'a-long-admin-passphrase');
      expect(await cli('systems', 'list')).to.contain(systemKey);
      const file = join(dir, 'Hello.ts');
      writeFileSync(
        file,
        'export default function (req: unknown, resp: { success(x: string): void }) { resp.success("hi"); }\n',
      );
      await cli('services', 'push', file);
      // A run needs the runtime API prelude, which dist/ finds at ../runtime-api.
      expect(JSON.parse(await cli('services', 'run', 'Hello'))).to.deep.include({
        success: true,
        results: 'hi',
      });
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited()).to.equal(0);
    }
  });
});
