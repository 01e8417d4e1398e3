// The parent's side of bench/lib/broker-child.ts: fork it for one broker kind, wait for its port, and read the
// CPU it used. The broker and metrics benches measure through the same child this way.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childIpc, type ChildIpc } from './child-ipc.js';
import { cpuMicros } from './stats.js';

/** A broker running alone in a child process. */
export interface BrokerChild {
  readonly port: number;
  readonly ipc: ChildIpc;
  /** CPU microseconds (user + system) the broker process used so far. */
  cpu(): Promise<number>;
  close(): Promise<void>;
}

/** Forks the broker child for `kind` (extra node flags such as --expose-gc) and resolves once it listens. */
export async function forkBrokerChild(kind: string, nodeFlags: readonly string[] = []): Promise<BrokerChild> {
  const child = fork(fileURLToPath(new URL('./broker-child.ts', import.meta.url)), [kind], {
    execArgv: ['--no-node-snapshot', '--import', 'tsx', ...nodeFlags],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ipc = childIpc(child);
  const port = await ipc.next<number>('port');
  return {
    port,
    ipc,
    cpu: async () => cpuMicros(await ipc.ask<NodeJS.CpuUsage>('cpu')),
    close: () => ipc.close(),
  };
}
