// One command for every bench: `npm run bench` runs each `bench/<name>.ts` in turn, each in its own
// process (a bench's load must not share an event loop with another's). `--only <name>` (repeatable or
// comma-separated; a bare name works too, as in `npm run bench -- history`) picks some; `--list` lists.
// A new bench needs no registration: add `bench/<name>.ts` that prints its figures and exits (e.g. `fairness`:
// another tenant's REST latency under each resource attack; its helper processes live in `bench/lib/`).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));

/** Bench names: every `bench/*.ts` but this runner. */
export function benchNames(): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Parses `--only a,b --only c d` into the chosen names (all when none). */
export function chosen(argv: readonly string[], all: readonly string[]): string[] {
  const picked: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--only') picked.push(...(argv[++i] ?? '').split(','));
    else if (arg.startsWith('--only=')) picked.push(...arg.slice(7).split(','));
    else if (!arg.startsWith('--')) picked.push(arg);
  }
  const unknown = picked.filter((n) => n !== '' && !all.includes(n));
  if (unknown.length > 0) throw new Error(`unknown bench ${unknown.join(', ')}; known: ${all.join(', ')}`);
  return picked.length === 0 ? [...all] : all.filter((n) => picked.includes(n));
}

async function runOne(name: string): Promise<number> {
  console.log(`\n=== bench ${name} ===`);
  const child = spawn(process.execPath, ['--no-node-snapshot', '--import', 'tsx', `${dir}${name}.ts`], {
    stdio: 'inherit',
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

async function main(): Promise<void> {
  const all = benchNames();
  const argv = process.argv.slice(2);
  if (argv.includes('--list')) {
    console.log(all.join('\n'));
    return;
  }
  let names: string[];
  try {
    names = chosen(argv, all);
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  const failed: string[] = [];
  for (const name of names) if ((await runOne(name)) !== 0) failed.push(name);
  if (failed.length > 0) {
    console.error(`benches failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
