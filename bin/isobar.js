#!/usr/bin/env node
// Entry of the `isobar` command. isolated-vm needs Node's `--no-node-snapshot`, and the sources are
// TypeScript run through tsx, so this shim re-executes Node with both and forwards signals and exit code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const child = spawn(
  process.execPath,
  ['--no-node-snapshot', '--import', import.meta.resolve('tsx'), cli, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1);
});
