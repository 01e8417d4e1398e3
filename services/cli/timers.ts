// `isobar timers create|list|delete` over the REST API (user endpoints; developer or user token).
import type { CliIo } from './index.js';
import { CONNECTION_HELP, flag, parseArgs, print, request } from './triggers.js';

const HELP = `Usage: isobar timers <create|list|delete> [name] [options]

  list                         the system's timers with their next run
  create <name>                [--service S] [--start Now|RFC3339] [--repeats N] [--frequency SECONDS]
                               [--cron EXPR] [--description TEXT]
  delete <name>

Options:
  --service S      service to run (omit: the timer only publishes $timer/<name>)
  --start T        first run: "Now" (default) or an RFC 3339 time
  --repeats N      runs after the first: -1 forever, 0 once (default)
  --frequency S    seconds between runs
  --cron EXPR      node-cron expression, evaluated in UTC (instead of --frequency)
${CONNECTION_HELP}
`;

const timerLine = (t: Record<string, unknown>): string => {
  const schedule =
    t.cron !== undefined && t.cron !== '' ? `cron ${String(t.cron)}` : `every ${String(t.frequency)}s`;
  return `${String(t.name)}  ${schedule}  repeats ${String(t.repeats)}  runs ${String(t.runs)}  next ${String(t.next_run ?? '-')}  -> ${String(t.service_name || '-')}`;
};

/** Runs `isobar timers`; 0 on success, 1 when the platform refuses, 2 for usage errors. */
export async function timersCommand(args: readonly string[], io: CliIo): Promise<number> {
  const a = parseArgs(args);
  const [sub, name, ...extra] = a.positional;
  const usage = (problem: string) => {
    io.stderr.write(`isobar timers: ${problem}\n\n${HELP}`);
    return 2;
  };
  if (a.flags.has('--help') || a.flags.has('-h') || sub === undefined) {
    io.stdout.write(HELP);
    return sub === undefined && !a.flags.has('--help') && !a.flags.has('-h') ? 2 : 0;
  }
  if (extra.length > 0) return usage(`unexpected ${extra.join(' ')}`);
  const one = (sk: string) => `/api/v/3/code/${sk}/timer/${encodeURIComponent(name ?? '')}`;
  let result: Awaited<ReturnType<typeof request>>;
  switch (sub) {
    case 'list':
      result = await request('timers', a, io, 'GET', (sk) => `/api/v/3/code/${sk}/timers`);
      if (result.ok) print(a, io, result.value, timerLine);
      break;
    case 'create': {
      if (name === undefined) return usage('create needs a name');
      const body: Record<string, unknown> = {
        start_time: flag(a, '--start') ?? 'Now',
        repeats: Number(flag(a, '--repeats') ?? '0'),
        service_name: flag(a, '--service') ?? '',
        description: flag(a, '--description') ?? '',
      };
      const frequency = flag(a, '--frequency');
      if (frequency !== undefined) body.frequency = Number(frequency);
      const cron = flag(a, '--cron');
      if (cron !== undefined) body.cron = cron;
      result = await request('timers', a, io, 'POST', one, body);
      if (result.ok) print(a, io, result.value, (t) => `created ${timerLine(t)}`);
      break;
    }
    case 'delete':
      if (name === undefined) return usage('delete needs a name');
      result = await request('timers', a, io, 'DELETE', one);
      if (result.ok) print(a, io, result.value, (t) => `deleted ${String(t.name)}`);
      break;
    default:
      return usage(`unknown sub-command ${JSON.stringify(sub)}`);
  }
  return result.ok ? 0 : result.code;
}
