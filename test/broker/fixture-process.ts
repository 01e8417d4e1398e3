// A broker fixture (test/broker/fixtures) run in a node process of its own, so a test can kill it with
// SIGKILL as a crash would: no close, no will published, nothing flushed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface FixtureProcess {
  /** The MQTT port the fixture printed once it listened. */
  readonly port: number;
  /** SIGKILL, resolved once the process has exited. */
  crash(): Promise<void>;
}

/** Starts `fixtures/<name>.ts` with `args` under tsx; resolves once it printed its `{ "port": … }` line. */
export async function startFixtureProcess(
  name: 'broker-process' | 'cluster-node-process',
  args: readonly string[],
): Promise<FixtureProcess> {
  const script = fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
  const child = spawn(process.execPath, ['--no-node-snapshot', '--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const { port } = JSON.parse(line.toString()) as { port: number };
  return {
    port,
    async crash() {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
