// How commands print: aligned tables for people, JSON with --json for scripts.
import type { CliIo } from './io.js';

/** What an action hands back to be printed. */
export interface Output {
  /** The data; printed as JSON with --json. */
  readonly value: unknown;
  /** Columns of the table for an array value (default: key/value lines for an object). */
  readonly columns?: readonly string[];
  /** A line for people instead of the value (still JSON with --json). */
  readonly message?: string;
  /** The exit code (default 0): 1 when the platform answered but the work failed (a service's success:false). */
  readonly exitCode?: number;
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** An aligned text table with a header row. */
export function table(
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
  columns: readonly string[],
): string {
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (r: readonly string[]) =>
    r
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n') + '\n';
}

/** Prints an action's output. */
export function printOutput(io: CliIo, json: boolean, output: Output): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(output.value, null, 2)}\n`);
    return;
  }
  if (output.message !== undefined) {
    io.stdout.write(`${output.message}\n`);
    return;
  }
  const v = output.value;
  if (Array.isArray(v)) {
    if (v.length === 0) io.stdout.write('(none)\n');
    else
      io.stdout.write(
        table(v as Array<Record<string, unknown>>, output.columns ?? Object.keys(v[0] as object)),
      );
    return;
  }
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v);
    const width = Math.max(...entries.map(([k]) => k.length));
    io.stdout.write(entries.map(([k, x]) => `${k.padEnd(width)}  ${cell(x)}`).join('\n') + '\n');
    return;
  }
  io.stdout.write(`${cell(v)}\n`);
}
