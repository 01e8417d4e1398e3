// `isobar history <topic>`: prints a topic's stored messages, oldest first, over the REST API.
import { chosenSystem, COMMON, developerClient, reportError } from './client.js';
import type { CliIo } from './io.js';
import { type SpecCommand, valueOption } from './parser.js';

interface WireRecord {
  readonly topicid: string;
  readonly time_ms: number;
  readonly userid: string;
  readonly payload: string;
  readonly payload_base64?: string;
}

const UNITS: Readonly<{ [unit: string]: number }> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since` as epoch ms, or undefined when it cannot be read. */
export function parseSince(value: string, now: number): number | undefined {
  const age = /^(\d+)([smhd])$/.exec(value);
  if (age !== null) return now - Number(age[1]) * UNITS[age[2]];
  if (/^\d+(\.\d+)?$/.test(value)) {
    const n = Number(value);
    return n >= 1e11 ? n : n * 1000;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : date;
}

/** `isobar history <topic>`, declared for the commander program (help generated from it). */
export const historySpec: SpecCommand = {
  summary: "print a topic's stored messages, oldest first (--count N, --since T)",
  usage: '<topic> [--count N] [--since T] [--json]',
  options: {
    count: valueOption('most messages (default 100; 0 = as many as the server allows)'),
    since: valueOption(
      'only messages at or after T: epoch seconds or ms, an ISO date, or an age like 30s, 10m, 2h, 1d',
    ),
    ...COMMON,
  },
  details:
    'Each line: time, publisher, payload (binary payloads as base64:…).\n' +
    'The token is the one `isobar login` stored, or $ISOBAR_TOKEN (a developer or user token).\n',
  run: (args, values, io) => historyCommand(args[0], values, io),
};

/** Runs `isobar history`; returns the exit code (2 for usage errors, 1 when the platform refuses). */
async function historyCommand(
  topic: string,
  values: Readonly<Record<string, string | boolean | string[] | undefined>>,
  io: CliIo,
): Promise<number> {
  const str = (n: string) => (typeof values[n] === 'string' ? (values[n] as string) : undefined);
  const count = str('count') ?? '100';
  if (!/^\d+$/.test(count)) return usage(io, '--count must be a non-negative integer');
  let start: string | undefined;
  const sinceText = str('since');
  if (sinceText !== undefined) {
    const since = parseSince(sinceText, Date.now());
    if (since === undefined) return usage(io, `cannot read --since ${JSON.stringify(sinceText)}`);
    start = String(since);
  }
  try {
    const client = developerClient(io, str('url'));
    const system = chosenSystem(io, str('system'));
    const records = await client.request<WireRecord[]>(
      'GET',
      `/api/v/1/message/${encodeURIComponent(system)}`,
      { query: { topic, count, start } },
    );
    records.reverse();
    if (values.json === true) io.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
    for (const r of values.json === true ? [] : records) {
      const payload = r.payload_base64 === undefined ? r.payload : `base64:${r.payload_base64}`;
      io.stdout.write(`${new Date(r.time_ms).toISOString()}  ${r.userid || '-'}  ${payload}\n`);
    }
    return 0;
  } catch (err) {
    return reportError(io, err);
  }
}

function usage(io: CliIo, problem: string): number {
  io.stderr.write(`isobar history: ${problem} (run \`isobar history --help\`)\n`);
  return 2;
}
