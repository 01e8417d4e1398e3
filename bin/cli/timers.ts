// `isobar timers`: the timers of a system (reference §5), over the developer REST routes.
import { deleteAction, groupCommand, listAction } from './client.js';
import { nextRun } from '../../services/automation/timers/definition.js';
import { flagOption, valueOption } from './parser.js';

const COLUMNS = ['name', 'schedule', 'timezone', 'repeats', 'runs', 'next_run', 'service_name'];
const path = (system: string, name?: string) =>
  `/admin/triggers/timers/${system}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

const row = (t: Record<string, unknown>): Record<string, unknown> => ({
  ...t,
  schedule:
    t.cron !== undefined && t.cron !== '' ? `cron ${String(t.cron)}` : `every ${String(t.frequency)}s`,
});

/** `isobar timers list|create|delete`. */
export const timersCommand = groupCommand(
  'timers',
  'Run a service on a schedule; each firing also publishes $timer/<name>.',
  {
    list: listAction('timers of the system with their next run', path, COLUMNS, row),
    create: {
      usage:
        '<name> [--service S] [--start Now|RFC3339] [--repeats N | --forever] (--frequency SECONDS | --cron EXPR [--timezone ZONE]) [--description D]',
      summary:
        'a timer: --forever (= --repeats -1) or --repeats N runs after the first, 0 once (default); --cron is standard cron (5 or 6 fields) read in --timezone (IANA, default UTC)',
      options: {
        service: valueOption('service to run (default: none, only $timer/<name> is published)'),
        start: valueOption('first run: Now (default) or an RFC 3339 time'),
        repeats: valueOption('runs after the first: -1 forever, 0 once (default)'),
        forever: flagOption('same as --repeats -1'),
        frequency: valueOption('seconds between runs'),
        cron: valueOption('cron expression (day-of-month OR day-of-week when both are set)'),
        timezone: valueOption('IANA zone the cron fields are read in (default UTC)'),
        description: valueOption('free text'),
      },
      run: async (c) => {
        const number = (v: string | undefined) => (v === undefined ? undefined : Number(v));
        const value = await c.client.request<Record<string, unknown>>('POST', path(c.system(), c.args[0]), {
          body: {
            start_time: c.str('start') ?? 'Now',
            repeats: c.values.forever === true ? -1 : (number(c.str('repeats')) ?? 0),
            frequency: number(c.str('frequency')),
            cron: c.str('cron'),
            timezone: c.str('timezone'),
            service_name: c.str('service') ?? '',
            description: c.str('description') ?? '',
          },
        });
        return { value, message: `created timer ${c.args[0]}, next run ${String(value.next_run ?? '-')}` };
      },
    },
    next: {
      usage: '<name> [--count N]',
      summary: 'the next runs of a timer (default 5), computed from its stored schedule',
      options: { count: valueOption('how many runs to show (1-100, default 5)') },
      run: async (c) => {
        const count = Number(c.str('count') ?? 5);
        if (!Number.isInteger(count) || count < 1 || count > 100) {
          throw new Error(`--count expects an integer from 1 to 100, got ${JSON.stringify(c.str('count'))}`);
        }
        const t = await c.client.request<Record<string, unknown>>('GET', path(c.system(), c.args[0]));
        // The server's next_run first, then the same schedule code the platform runs (nextRun), one run on.
        const spec = {
          startTime: Date.parse(String(t.start_time)),
          repeats: Number(t.repeats),
          frequency: Number(t.frequency),
          runs: Number(t.runs),
          ...(typeof t.cron === 'string' && t.cron !== '' ? { cron: t.cron } : {}),
          ...(typeof t.timezone === 'string' ? { timezone: t.timezone } : {}),
        };
        const runs: string[] = [];
        let at = typeof t.next_run === 'string' ? Date.parse(t.next_run) : undefined;
        while (at !== undefined && runs.length < count) {
          runs.push(new Date(at).toISOString());
          spec.runs += 1;
          at = nextRun(spec, at + 1);
        }
        const zone = typeof t.timezone === 'string' ? t.timezone : 'UTC';
        return {
          value: { name: c.args[0], timezone: zone, next: runs },
          message: runs.length === 0 ? `${c.args[0]}: no more runs` : runs.join('\n'),
        };
      },
    },
    delete: deleteAction('timer', (c) => c.client.request('DELETE', path(c.system(), c.args[0]))),
  },
);
