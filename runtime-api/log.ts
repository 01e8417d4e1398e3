/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** The one logger interface every component receives (pino sits underneath in services/log.ts). */
export interface Log {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines all carry `fields`. */
  child(fields: LogFields): Log;
}

/** A logger that drops everything: for unit tests that do not inspect logs. */
export const silentLog: Log = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLog;
  },
};
