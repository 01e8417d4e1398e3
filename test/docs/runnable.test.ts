// Docs that run: every ```sh runnable block of the README and of examples/**/*.md is executed, per
// document in order in one bash session (later blocks use the variables of earlier ones), under
// `set -euo pipefail`, against a fresh platform. A command that stops working fails this test.
// Blocks read the platform from ISOBAR_URL / ISOBAR_*_PORT / ISOBAR_ADMIN_PASSWORD, with the
// defaults a reader's own platform has.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOOLS: Record<string, string> = {
  curl: 'curl',
  jq: 'jq',
  mosquitto_sub: 'mosquitto-clients',
  mosquitto_pub: 'mosquitto-clients',
};
const ADMIN_PASSWORD = 'docs-admin-pass-1';

/** The runnable shell blocks of one Markdown file, in order. */
export function runnableBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^ {0,3}```(?:sh|bash) runnable[^\n]*\n([\s\S]*?)^ {0,3}```/gm)].map(
    (m) => m[1],
  );
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}

/** Installs missing tools with apt-get when root; otherwise names them (the test then fails, honestly). */
function ensureTools(): void {
  const missing = Object.keys(TOOLS).filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((t) => TOOLS[t]))];
  if (process.getuid?.() === 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
      stdio: 'ignore',
    });
    if (r.status === 0) return;
  }
  throw new Error(`the runnable docs need ${missing.join(', ')}: apt-get install ${packages.join(' ')}`);
}

function runBash(script: string, env: Record<string, string>, timeoutMs: number) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn('bash', ['-c', `set -euo pipefail\n${script}`], { env, cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

const documents = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'examples'))]
  .map((file) => ({ file, blocks: runnableBlocks(readFileSync(file, 'utf8')) }))
  .filter((d) => d.blocks.length > 0);

describe('runnable docs', function () {
  this.timeout(120_000);
  let tp: TestPlatform;
  let home: string;

  before(() => ensureTools());
  beforeEach(async () => {
    tp = await startTestPlatform({
      overrides: { 'admin.email': 'admin@isobar.local', 'admin.password': ADMIN_PASSWORD },
    });
    home = mkdtempSync(join(tmpdir(), 'isobar-docs-'));
    // `isobar` on the PATH, as after an install.
    const shim = join(home, 'isobar');
    writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'isobar.js')}" "$@"\n`);
    chmodSync(shim, 0o755);
  });
  afterEach(async () => {
    await tp.close({ removeData: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('finds runnable blocks in the README', () => {
    expect(documents.map((d) => relative(ROOT, d.file))).to.include('README.md');
  });

  for (const doc of documents) {
    it(`runs every runnable block of ${relative(ROOT, doc.file)}`, async () => {
      const ports = tp.ports as unknown as Record<string, number>;
      const env: Record<string, string> = {
        PATH: `${home}:${process.env.PATH ?? ''}`,
        HOME: home,
        ISOBAR_HOME: join(home, '.isobar'),
        ISOBAR_URL: tp.url,
        ISOBAR_ADMIN_PASSWORD: ADMIN_PASSWORD,
        // Where the platform keeps its files (the generated TLS pair), as ./data is for `npm start`.
        ISOBAR_DATA_DIR: tp.dataDir,
      };
      for (const [name, port] of Object.entries(ports)) {
        if (typeof port === 'number')
          env[`ISOBAR_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}_PORT`] = String(port);
      }
      const r = await runBash(doc.blocks.join('\n'), env, 100_000);
      expect(r.code, `${relative(ROOT, doc.file)} failed:\n${r.out}\n${r.err}`).to.equal(0);
      // The auth-over-MQTT decoder printed the messaging URL as its third block (it misread it without -N).
      if (relative(ROOT, doc.file) === 'README.md') {
        expect(r.out).to.match(/^127\.0\.0\.1:\d+$/m);
        // First five minutes: the device's reading ran the service, whose alert came back over MQTT.
        expect(r.out).to.match(/^alerts\/7 too hot: 35$/m);
      }
    });
  }
});
