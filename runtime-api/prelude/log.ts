// log() and console.*: each line crosses as one message the host counts against the run's log limits.

import { SEND_OPS, type LogLevel } from '../sandbox-protocol.js';
import type { Bridge } from './bridge.js';
import { toText } from './format.js';

type Logger = (...values: unknown[]) => void;

export interface Console {
  log: Logger;
  info: Logger;
  debug: Logger;
  warn: Logger;
  error: Logger;
  alert: Logger;
  trace: Logger;
}

/** `log` and `console` bound to this run; lines longer than `maxChars` are cut. */
export function createLoggers(bridge: Bridge, maxChars: number): { log: Logger; console: Console } {
  const at =
    (level: LogLevel): Logger =>
    (...values) => {
      let line = '';
      for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : ' ') + toText(values[i]);
      if (line.length > maxChars) line = line.slice(0, maxChars) + '…';
      bridge.send(SEND_OPS.log, level, line);
    };
  const info = at('info');
  return {
    log: info,
    console: {
      log: info,
      info,
      debug: at('debug'),
      trace: at('debug'),
      warn: at('warn'),
      error: at('error'),
      alert: at('error'),
    },
  };
}
