// Reading a secret from the terminal without echoing it (a password typed on a command line would
// stay in the shell history and in `ps`).
import type { Writable } from 'node:stream';

/** Asks `question` and reads one line from a TTY with echo off; Ctrl-C aborts with exit code 130. */
export function readHidden(question: string, input: NodeJS.ReadStream, output: Writable): Promise<string> {
  return new Promise((resolve) => {
    output.write(question);
    let typed = '';
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (answer: string | undefined) => {
      input.setRawMode(false);
      input.pause();
      input.removeListener('data', onData);
      output.write('\n');
      if (answer === undefined) process.exit(130);
      resolve(answer);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(typed);
        if (ch === '\u0003') return done(undefined);
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch >= ' ') typed += ch;
      }
    };
    input.on('data', onData);
  });
}
