#!/usr/bin/env node
// Entry of the `isobar` command. It runs dist/cli.js, the CLI and platform compiled ahead of time by
// `npm run build` (run at install by `prepare`), when that build is present and no older than any
// source it holds; otherwise the TypeScript sources through tsx (a checkout being edited, or an install
// with --ignore-scripts). isolated-vm needs Node's `--no-node-snapshot`: `start` re-executes Node with
// it unless it is already set (`npm start` sets it), forwarding signals and the exit code; the other
// commands never load isolated-vm and run in this process.
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const argv = process.argv.slice(2);
const compiled = freshBuild() ? fileURLToPath(new URL('dist/cli.js', root)) : undefined;
const needsFlag = argv[0] === 'start' && !process.execArgv.includes('--no-node-snapshot');
// Which code runs: ISOBAR_TRACE_ENTRY=1 says so on stderr (is my edit in, or is dist/ in use?).
if (process.env.ISOBAR_TRACE_ENTRY === '1') {
  process.stderr.write(`isobar: running ${compiled === undefined ? 'the sources through tsx' : 'dist/'}\n`);
}

if (compiled !== undefined && !needsFlag) {
  await import(new URL('dist/cli.js', root).href);
} else {
  const entry = compiled ?? fileURLToPath(new URL('bin/cli.ts', root));
  const loader = compiled === undefined ? ['--import', import.meta.resolve('tsx')] : [];
  const child = spawn(process.execPath, ['--no-node-snapshot', ...loader, entry, ...argv], {
    stdio: 'inherit',
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1);
  });
}

/** Whether dist/ exists and was built after every source in it last changed (ISOBAR_NO_DIST=1: never). */
function freshBuild() {
  if (process.env.ISOBAR_NO_DIST === '1') return false;
  try {
    const info = JSON.parse(readFileSync(new URL('dist/build.json', root), 'utf8'));
    for (const input of info.inputs) {
      if (statSync(new URL(input, root)).mtimeMs > info.builtAt) return false;
    }
    return true;
  } catch {
    return false;
  }
}
