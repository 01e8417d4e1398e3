// CLI command latency, before/after the ahead-of-time build: wall time of one
// `isobar systems list` as a user types it, a fresh Node process each time, run from the TypeScript
// sources through tsx (ISOBAR_NO_DIST=1: what every command paid before) and from dist/ (npm run build),
// alternating so both see the same machine load. The platform it asks runs in this process.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestPlatform } from '../test/helpers/platform.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const isobar = join(root, 'bin', 'isobar.js');
const ROUNDS = Number(process.env.BENCH_CLI_ROUNDS ?? 15);

/** The p-th percentile of a small sample (nearest rank). */
function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function timed(args: readonly string[], env: Record<string, string>): Promise<number> {
  const start = process.hrtime.bigint();
  await run(process.execPath, [isobar, ...args], { env: { ...process.env, ...env } });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

await run(process.execPath, ['--import', 'tsx', 'bin/build.ts'], { cwd: root });
const tp = await startTestPlatform();
const home = mkdtempSync(join(tmpdir(), 'isobar-bench-cli-'));
try {
  const base = { ISOBAR_HOME: home };
  await timed(['login', '--url', tp.url, '--email', 'admin@test.local', '--password', 'admin-pass-1'], base);
  const tsx: number[] = [];
  const dist: number[] = [];
  // One warm-up each (tsx fills its compile cache; the OS caches the files), not counted.
  await timed(['systems', 'list'], { ...base, ISOBAR_NO_DIST: '1' });
  await timed(['systems', 'list'], base);
  for (let i = 0; i < ROUNDS; i++) {
    tsx.push(await timed(['systems', 'list'], { ...base, ISOBAR_NO_DIST: '1' }));
    dist.push(await timed(['systems', 'list'], base));
  }
  const version: number[] = [];
  for (let i = 0; i < ROUNDS; i++) version.push(await timed(['--version'], base));
  const row = (name: string, xs: number[]) =>
    `${name.padEnd(34)} p50 ${percentile(xs, 50).toFixed(0).padStart(5)} ms   p90 ${percentile(xs, 90).toFixed(0).padStart(5)} ms`;
  console.log(`isobar systems list, ${ROUNDS} runs each, a fresh process per run:`);
  console.log(row('  before: sources through tsx', tsx));
  console.log(row('  after: dist/ (npm run build)', dist));
  console.log(row('  isobar --version (dist/)', version));
  console.log(`  speed-up p50: ${(percentile(tsx, 50) / percentile(dist, 50)).toFixed(1)}x`);
} finally {
  await tp.close({ removeData: true });
  rmSync(home, { recursive: true, force: true });
}
