// `isobar history <topic>`: prints a topic's stored messages, oldest first, over the REST API.
import { parseArgs } from 'node:util';
import { chosenSystem, developerClient, reportError } from './client.js';
import type { CliIo } from './io.js';

const HELP = `Usage: isobar history <topic> [options]

Prints the stored messages of one topic, oldest first: time, publisher, payload
(binary payloads as base64:…).

Options:
  --count N        most messages (default 100; 0 = as many as the server allows)
  --since T        only messages at or after T: epoch seconds or ms, an ISO date, or an age like 30s, 10m, 2h, 1d
  --json           print the records as JSON instead
  --system KEY     system key (default: $ISOBAR_SYSTEM_KEY, else \`isobar systems use KEY\`)
  --url URL        platform (default: $ISOBAR_URL, else the one you logged in to)

The token is the one \`isobar login\` stored, or $ISOBAR_TOKEN (a developer or user token).
`;

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

/** Runs `isobar history`; returns the exit code (2 for usage errors, 1 when the platform refuses). */
export async function historyCommand(args: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        count: { type: 'string', default: '100' },
        since: { type: 'string' },
        json: { type: 'boolean' },
        system: { type: 'string' },
        url: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1) return usage(io, 'give exactly one topic');
  if (!/^\d+$/.test(values.count)) return usage(io, '--count must be a non-negative integer');
  let start: string | undefined;
  if (values.since !== undefined) {
    const since = parseSince(values.since, Date.now());
    if (since === undefined) return usage(io, `cannot read --since ${JSON.stringify(values.since)}`);
    start = String(since);
  }
  try {
    const client = developerClient(io, values.url);
    const system = chosenSystem(io, values.system);
    const records = await client.request<WireRecord[]>(
      'GET',
      `/api/v/1/message/${encodeURIComponent(system)}`,
      {
        query: { topic: positionals[0], count: values.count, start },
      },
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
  io.stderr.write(`isobar history: ${problem}\n\n${HELP}`);
  return 2;
}
