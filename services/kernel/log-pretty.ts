// The terminal's log format: one readable line per pino record instead of raw JSON, so an operator who
// starts Isobar by hand reads "12:00:01.234 INFO  listening  port=9000" rather than a JSON object. Our
// own few lines instead of pino-pretty: it is not a dependency and a formatter this small needs none.
import type { Writable } from 'node:stream';

const LEVELS: Readonly<Record<number, { name: string; color: string }>> = {
  10: { name: 'TRACE', color: '90' },
  20: { name: 'DEBUG', color: '90' },
  30: { name: 'INFO ', color: '32' },
  40: { name: 'WARN ', color: '33' },
  50: { name: 'ERROR', color: '31' },
  60: { name: 'FATAL', color: '35' },
};

// Fields every line carries (pino's own and our base): printing them on every line is noise.
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'app']);

/** Formats one pino JSON line as `HH:MM:SS.mmm LEVEL msg key=value ...`; non-JSON input passes through. */
export function formatPrettyLine(line: string, color: boolean): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return line;
    record = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = LEVELS[typeof record.level === 'number' ? record.level : 30] ?? LEVELS[30];
  const time = typeof record.time === 'number' ? new Date(record.time) : new Date();
  const clock = time.toISOString().slice(11, 23);
  const label = color ? `\u001b[${level.color}m${level.name}\u001b[39m` : level.name;
  const fields = Object.entries(record)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${fieldText(value)}`);
  const msg = typeof record.msg === 'string' ? record.msg : '';
  const tail =
    fields.length > 0 ? `  ${color ? `\u001b[2m${fields.join(' ')}\u001b[22m` : fields.join(' ')}` : '';
  return `${clock} ${label} ${msg}${tail}\n`;
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/**
 * A pino destination that writes formatted lines to `out`. pino hands a destination whole records,
 * one `write` per line, so no buffering across calls is needed.
 */
export function prettyDestination(out: Writable, color: boolean): { write(chunk: string): boolean } {
  return {
    write(chunk: string): boolean {
      let text = '';
      for (const line of chunk.split('\n')) if (line !== '') text += formatPrettyLine(line, color);
      return out.write(text);
    },
  };
}
