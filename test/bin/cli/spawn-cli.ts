// Runs the real `isobar` command (bin/isobar.js) in a child process, as an operator would, and waits on
// its output and exit with bounded timeouts.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ISOBAR_JS = fileURLToPath(new URL('../../../bin/isobar.js', import.meta.url));

/** Every listener disabled except those a test turns on: a test never binds a fixed port. */
export const NO_LISTENERS: Readonly<Record<string, string>> = {
  ISOBAR_HOST: '127.0.0.1',
  ISOBAR_HTTP_PORT: '-1',
  ISOBAR_MQTT_PORT: '-1',
  ISOBAR_MQTTS_PORT: '-1',
  ISOBAR_WS_PORT: '-1',
  ISOBAR_WSS_PORT: '-1',
  ISOBAR_AUTH_PORT: '-1',
  ISOBAR_AUTH_TLS_PORT: '-1',
  ISOBAR_AUTH_WS_PORT: '-1',
  ISOBAR_AUTH_WSS_PORT: '-1',
};

export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with stdout once it matches `pattern`; rejects on exit or timeout. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code; rejects after the timeout (the child is then killed). */
  exited(timeoutMs?: number): Promise<number | null>;
}

/** Spawns `node [nodeArgs] bin/isobar.js ...args` with only `env` (plus PATH/HOME) in its environment. */
export function spawnCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  nodeArgs: readonly string[] = [],
): CliProcess {
  const child = spawn(process.execPath, [...nodeArgs, ISOBAR_JS, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForStdout(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(out)) return;
          done();
          resolve(out);
        };
        const gone = (code: number | null) => {
          done();
          reject(new Error(`isobar exited (${String(code)}) before ${String(pattern)}: ${err}`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${String(pattern)} on stdout within ${timeoutMs} ms: ${err}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          child.off('exit', gone);
        };
        child.stdout?.on('data', check);
        child.once('exit', gone);
        check();
      });
    },
    exited(timeoutMs = 60_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`isobar did not exit within ${timeoutMs} ms: ${err}`));
        }, timeoutMs);
      });
      return Promise.race([exit, timeout]).finally(() => clearTimeout(timer));
    },
  };
}
