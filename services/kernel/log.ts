import { pino, type Logger } from 'pino';
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

/** The process logger: JSON lines on stderr so stdout stays for the ready line and CLI output. */
export function createLog(level: 'debug' | 'info' | 'warn' | 'error' | 'silent'): Log {
  return wrap(pino({ level, base: { app: 'isobar' } }, pino.destination({ dest: 2, sync: false })));
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
