import type { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { prettyDestination } from './log-pretty.js';
import type { Log, LogFields } from '../../runtime-api/log.js';

export type { Log, LogFields } from '../../runtime-api/log.js';

/** Wraps a pino logger in the platform's small Log interface. */
function wrap(logger: Logger): Log {
  return {
    debug: (msg, fields) => logger.debug(fields ?? {}, msg),
    info: (msg, fields) => logger.info(fields ?? {}, msg),
    warn: (msg, fields) => logger.warn(fields ?? {}, msg),
    error: (msg, fields) => logger.error(fields ?? {}, msg),
    child: (fields: LogFields) => wrap(logger.child(fields)),
  };
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'auto' | 'pretty' | 'json';

export interface LogOptions {
  readonly format?: LogFormat;
  /** Whether stdout is a terminal (decides `auto`); default `process.stdout.isTTY`. */
  readonly tty?: boolean;
  /** Where lines go; default stderr, so stdout stays for the banner, the ready line and CLI output. */
  readonly out?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Resolves `auto`: pretty on a terminal (a person reads it), JSON otherwise (a program does). */
export function resolveLogFormat(format: LogFormat, tty: boolean): 'pretty' | 'json' {
  return format === 'auto' ? (tty ? 'pretty' : 'json') : format;
}

/** The process logger: JSON lines, or readable lines on a terminal, on stderr. */
export function createLog(level: LogLevel, options: LogOptions = {}): Log {
  const format = resolveLogFormat(options.format ?? 'json', options.tty ?? process.stdout.isTTY === true);
  const base = { level, base: { app: 'isobar' } };
  if (format === 'json' && options.out === undefined) {
    return wrap(pino(base, pino.destination({ dest: 2, sync: false })));
  }
  const out = options.out ?? process.stderr;
  if (format === 'json') return wrap(pino(base, { write: (line: string) => out.write(line) }));
  // Colour only when the lines land on a terminal themselves (stderr may be redirected while stdout is not).
  const color = out.isTTY === true && process.env.NO_COLOR === undefined;
  return wrap(pino(base, prettyDestination(out as Writable, color)));
}

/** A logger that records lines in memory: tests assert on what was logged. */
export function createMemoryLog(): Log & {
  readonly lines: Array<{ level: string; msg: string } & LogFields>;
} {
  const lines: Array<{ level: string; msg: string } & LogFields> = [];
  const make = (bound: LogFields): Log => {
    const at = (level: string) => (msg: string, fields?: LogFields) =>
      lines.push({ ...bound, ...fields, level, msg });
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (f) => make({ ...bound, ...f }),
    };
  };
  return Object.assign(make({}), { lines });
}
