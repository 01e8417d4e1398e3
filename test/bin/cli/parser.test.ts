// The CLI on commander: what the parser itself promises (version, help, did-you-mean, completion, negative
// numbers as values, exit codes, the password prompt) and `isobar init`'s scaffold passing its own tests.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Command as Commander } from 'commander';
import { buildProgram } from '../../../bin/cli/index.js';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';
import { runCaptured } from './cli-world.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

const cli = runCaptured;

describe('isobar command line (commander)', () => {
  it('prints the version with --version and -V, exit 0', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag]);
      expect(r.code).to.equal(0);
      expect(r.out.trim()).to.equal(`isobar ${pkg.version}`);
    }
  });

  it('defines every command in commander: each option of each command has a description in --help', () => {
    const io = { env: {}, stdout: new PassThrough(), stderr: new PassThrough() };
    const program = buildProgram(io, { code: 0 });
    const bare: string[] = [];
    const names: string[] = [];
    const walk = (cmd: Commander, path: string): void => {
      names.push(path);
      for (const o of cmd.options) if (o.description === '') bare.push(`${path} ${o.flags}`);
      for (const sub of cmd.commands) walk(sub, `${path} ${sub.name()}`);
    };
    walk(program, 'isobar');
    expect(bare).to.deep.equal([]);
    // The four that used to parse their own arguments are commander commands now.
    expect(names).to.include.members([
      'isobar history',
      'isobar deploy',
      'isobar start',
      'isobar admin reset-password',
    ]);
  });

  it('generates the help of start, admin reset-password, history and deploy from their definitions', async () => {
    const start = await cli(['start', '--help']);
    expect(start.code).to.equal(0);
    expect(start.out).to.match(/--http-port <N>\s+REST API/);
    expect(start.out).to.match(/--open-registration \[value\]/);
    const reset = await cli(['admin', 'reset-password', '--help']);
    expect(reset.out).to.match(/--data-dir <DIR>\s+the data directory/);
    expect((await cli(['history', '--help'])).out).to.match(/--since <T>\s+only messages at or after T/);
    expect((await cli(['deploy', '--help'])).out).to.match(/--edge <NAME>\s+edge to deploy to/);
    const unknown = await cli(['admin', 'reset-pasword']);
    expect(unknown.code).to.equal(2);
  });

  it('suggests the command meant on a typo and exits 2', async () => {
    const r = await cli(['systms', 'list']);
    expect(r.code).to.equal(2);
    expect(r.err).to.include('Did you mean systems?');
    const action = await cli(['timers', 'lst']);
    expect(action.code).to.equal(2);
    expect(action.err).to.include('Did you mean list?');
  });

  it("lists every declared option in an action's help", async () => {
    const r = await cli(['timers', 'create', '--help']);
    expect(r.code).to.equal(0);
    for (const option of ['--repeats', '--forever', '--cron', '--timezone', '--url', '--system', '--json']) {
      expect(r.out).to.include(option);
    }
    expect((await cli(['login', '--help'])).out).to.include('--password');
  });

  it('prints bash and zsh completion scripts from the definitions', async () => {
    const bash = await cli(['completion', 'bash']);
    expect(bash.code).to.equal(0);
    expect(bash.out).to.include('complete -o default -F _isobar isobar');
    expect(bash.out).to.match(/"timers create"\) echo "[^"]*--timezone/);
    const zsh = await cli(['completion', 'zsh']);
    expect(zsh.out.split('\n')[0]).to.equal('autoload -U +X bashcompinit && bashcompinit');
    expect((await cli(['completion', 'fish'])).code).to.equal(2);
    // The script is valid bash and completes `isobar tim` to timers.
    const probe = `${bash.out}\nCOMP_WORDS=(isobar tim); COMP_CWORD=1; _isobar; echo "\${COMPREPLY[@]}"`;
    const run = spawnSync('bash', ['-c', probe], { encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout.trim()).to.equal('timers');
  });

  it('exits 2 on an unknown option', async () => {
    expect((await cli(['users', 'list', '--bogus'])).code).to.equal(2);
  });
});

describe('isobar command line against a platform', () => {
  let tp: TestPlatform;
  let home: string;
  let systemKey: string;
  const env = () => ({ ISOBAR_HOME: home, ISOBAR_SYSTEM: systemKey });

  beforeEach(async () => {
    tp = await startTestPlatform();
    home = mkdtempSync(join(tmpdir(), 'isobar-home-'));
    const dev = await tp.platform.identity.developerByEmail('admin@test.local');
    systemKey = tp.platform.identity.systemsOf(dev?.id ?? '')[0]?.systemKey ?? '';
  });
  afterEach(async () => {
    await tp.close({ removeData: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('reads the login password from a line of stdin when none is given', async () => {
    const r = await cli(['login', '--url', tp.url, '--email', 'admin@test.local'], env(), 'admin-pass-1\n');
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.include('logged in to');
    const wrong = await cli(['login', '--url', tp.url, '--email', 'admin@test.local'], env(), 'nope\n');
    expect(wrong.code).to.equal(1);
    expect(wrong.err).to.include('CB_ERR_AUTH');
    const none = await cli(['login', '--url', tp.url, '--email', 'admin@test.local'], env(), '');
    expect(none.code).to.equal(2);
  });

  it('takes --repeats -1 as a value, shows next runs in the timer zone, and exits 1 on success:false', async () => {
    expect(
      (
        await cli(
          ['login', '--url', tp.url, '--email', 'admin@test.local', '--password', 'admin-pass-1'],
          env(),
        )
      ).code,
    ).to.equal(0);
    const file = join(home, 'Fails.js');
    writeFileSync(file, 'function Fails(req, resp) { resp.error("broken on purpose"); }\n');
    expect((await cli(['services', 'push', file], env())).code).to.equal(0);
    const failed = await cli(['services', 'run', 'Fails'], env());
    expect(failed.code).to.equal(1);
    expect(failed.out).to.include('broken on purpose');

    const created = await cli(
      [
        'timers',
        'create',
        'nightly',
        '--repeats',
        '-1',
        '--cron',
        '30 2 * * *',
        '--timezone',
        'Europe/Berlin',
        '--json',
      ],
      env(),
    );
    expect(created.code, created.err).to.equal(0);
    expect(JSON.parse(created.out)).to.include({ repeats: -1, timezone: 'Europe/Berlin' });
    const next = await cli(['timers', 'next', 'nightly', '--count', '3', '--json'], env());
    expect(next.code, next.err).to.equal(0);
    const runs = (JSON.parse(next.out) as { next: string[] }).next;
    expect(runs).to.have.length(3);
    for (const at of runs) {
      const local = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Berlin',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(at));
      expect(['02:30', '03:00']).to.include(local); // 03:00 only on the spring-forward day
    }
    const bad = await cli(['timers', 'create', 'x', '--cron', '* * * * *', '--timezone', 'Mars/Base'], env());
    expect(bad.code).to.equal(1);
    expect(bad.err).to.include('CB_ERR_TIMER_BAD_TIMEZONE');
  });
});

describe('isobar init', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'isobar-init-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('scaffolds a TypeScript service whose own npm test passes offline', async () => {
    const project = join(dir, 'my-service');
    const r = await cli(['init', project]);
    expect(r.code, r.err).to.equal(0);
    expect(JSON.parse(readFileSync(join(project, 'tsconfig.json'), 'utf8'))).to.have.nested.property(
      'compilerOptions.types[0]',
      'isobar',
    );
    // No network: link what `npm install` would fetch from this checkout.
    const modules = join(project, 'node_modules');
    mkdirSync(join(modules, '.bin'), { recursive: true });
    symlinkSync(ROOT, join(modules, 'isobar'));
    for (const dep of ['tsx', 'typescript']) symlinkSync(join(ROOT, 'node_modules', dep), join(modules, dep));
    symlinkSync(join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), join(modules, '.bin', 'tsc'));
    const test = spawnSync('npm', ['test', '--offline'], { cwd: project, encoding: 'utf8' });
    expect(test.status, `${test.stdout}\n${test.stderr}`).to.equal(0);
    expect(test.stdout).to.match(/pass 1/);

    // A type error against the platform's globals fails the project's test.
    writeFileSync(
      join(project, 'src', 'Hello.ts'),
      'export default function Hello(req: CbServer.BasicReq, resp: CbServer.Resp): void {\n  ClearBlade.Messaging().publish(42);\n  resp.success(1);\n}\n',
    );
    const broken = spawnSync('npm', ['test', '--offline'], { cwd: project, encoding: 'utf8' });
    expect(broken.status).to.not.equal(0);
    expect(broken.stdout).to.include('src/Hello.ts');
    expect((await cli(['init', project])).code).to.equal(2); // not empty
  });
});
