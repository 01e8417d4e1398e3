// `isobar history <topic>`: prints a topic's stored messages, oldest first, over the REST API.
import type { CliIo } from './index.js';

const HELP = `Usage: isobar history <topic> [options]

Prints the stored messages of one topic, oldest first: time, publisher, payload.

Options:
  --count N        most messages (default 100; 0 = as many as the server allows)
  --since T        only messages at or after T: epoch seconds or ms, an ISO date, or an age like 30s, 10m, 2h, 1d
  --json           print the records as JSON instead
  --system KEY     system key            (env ISOBAR_SYSTEM_KEY)
  --token TOKEN    developer or user token (env ISOBAR_TOKEN)
  --url URL        platform URL          (env ISOBAR_URL, default http://127.0.0.1:9000)
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

function parseArgs(args: readonly string[]): { flags: Map<string, string>; positional: string[] } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json' || a === '--help' || a === '-h') flags.set(a, 'true');
    else if (a.startsWith('--')) flags.set(a, args[++i] ?? '');
    else positional.push(a);
  }
  return { flags, positional };
}

/** Runs `isobar history`; returns the exit code (2 for usage errors, 1 when the platform refuses). */
export async function historyCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseArgs(args);
  if (flags.has('--help') || flags.has('-h')) {
    io.stdout.write(HELP);
    return 0;
  }
  const usage = (problem: string) => {
    io.stderr.write(`isobar history: ${problem}\n\n${HELP}`);
    return 2;
  };
  const topic = positional[0];
  if (topic === undefined || positional.length > 1) return usage('give exactly one topic');
  const systemKey = flags.get('--system') ?? io.env.ISOBAR_SYSTEM_KEY;
  const token = flags.get('--token') ?? io.env.ISOBAR_TOKEN;
  if (systemKey === undefined || systemKey === '')
    return usage('--system (or ISOBAR_SYSTEM_KEY) is required');
  if (token === undefined || token === '') return usage('--token (or ISOBAR_TOKEN) is required');
  const count = flags.get('--count') ?? '100';
  if (!/^\d+$/.test(count)) return usage('--count must be a non-negative integer');
  const query = new URLSearchParams({ topic, count });
  const sinceText = flags.get('--since');
  if (sinceText !== undefined) {
    const since = parseSince(sinceText, Date.now());
    if (since === undefined) return usage(`cannot read --since ${JSON.stringify(sinceText)}`);
    query.set('start', String(since));
  }
  const url = (flags.get('--url') ?? io.env.ISOBAR_URL ?? 'http://127.0.0.1:9000').replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${url}/api/v/1/message/${encodeURIComponent(systemKey)}?${query.toString()}`, {
      headers: { 'ClearBlade-UserToken': token },
    });
  } catch (err) {
    io.stderr.write(
      `isobar history: cannot reach ${url}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok || !Array.isArray(body)) {
    const e = body as { code?: string; message?: string } | undefined;
    io.stderr.write(`isobar history: ${e?.code ?? String(res.status)} ${e?.message ?? res.statusText}\n`);
    return 1;
  }
  const records = (body as WireRecord[]).reverse();
  if (flags.has('--json')) {
    io.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
    return 0;
  }
  for (const r of records) {
    const payload = r.payload_base64 === undefined ? r.payload : `base64:${r.payload_base64}`;
    io.stdout.write(`${new Date(r.time_ms).toISOString()}  ${r.userid || '-'}  ${payload}\n`);
  }
  return 0;
}
