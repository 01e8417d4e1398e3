import { runCli } from './cli/index.js';

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
// A failed command may leave handles open (a listener that came up before another failed): its answer is
// already printed, so end now rather than hang. Success ends naturally, once output is flushed.
if (code !== 0) process.exit(code);
process.exitCode = code;
