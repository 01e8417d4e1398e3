// The one way a bench talks to a child process it started: wait for the next IPC message carrying a key,
// ask a command and wait for its answer, close and wait for the exit.
import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';

export interface ChildIpc {
  /** The value of the next message holding `key`; rejects if the child exits first. */
  next<T>(key: string): Promise<T>;
  /** Sends `{cmd}` and answers the value of the reply keyed by the same name. */
  ask<T>(cmd: string): Promise<T>;
  /** Sends `{cmd: 'close'}` and resolves once the child has exited. */
  close(): Promise<void>;
}

/** Wraps a forked/spawned child that has an IPC channel. */
export function childIpc(child: ChildProcess): ChildIpc {
  const next = <T>(key: string) =>
    new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`bench child exited (${String(code)})`));
      const on = (msg: Record<string, unknown>) => {
        if (!(key in msg)) return;
        child.removeListener('message', on);
        child.removeListener('exit', onExit);
        resolve(msg[key] as T);
      };
      child.on('message', on);
      child.once('exit', onExit);
    });
  return {
    next,
    ask<T>(cmd: string) {
      const answer = next<T>(cmd);
      child.send({ cmd });
      return answer;
    },
    async close() {
      const exited = once(child, 'exit');
      child.send({ cmd: 'close' });
      await exited;
    },
  };
}
