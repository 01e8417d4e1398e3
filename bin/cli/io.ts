// What every sub-command is handed: its own arguments and the process's environment and streams. Kept
// apart from index.ts (the dispatcher that imports every sub-command) so sub-commands never import it back.
import type { Readable, Writable } from 'node:stream';

/** The process as a command sees it; tests pass their own streams and environment. */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Where prompts read from (default process.stdin). */
  readonly stdin?: Readable;
}

/** A sub-command: receives its own arguments, returns the exit code. */
export type Command = (args: readonly string[], io: CliIo) => Promise<number>;
