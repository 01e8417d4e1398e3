// `isobar timers`: the timers of a system (reference §5), over the developer REST routes.
import { groupCommand } from './client.js';

const COLUMNS = ['name', 'schedule', 'repeats', 'runs', 'next_run', 'service_name'];
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
    list: {
      usage: '',
      summary: 'timers of the system with their next run',
      run: async (c) => {
        const list = await c.client.request<Array<Record<string, unknown>>>('GET', path(c.system()));
        return { value: c.values.json === true ? list : list.map(row), columns: COLUMNS };
      },
    },
    create: {
      usage:
        '<name> [--service S] [--start Now|RFC3339] [--repeats N | --forever] (--frequency SECONDS | --cron EXPR) [--description D]',
      summary:
        'a timer: --forever (= --repeats=-1) or --repeats N runs after the first, 0 once (default); --cron is node-cron syntax in UTC',
      args: 1,
      options: {
        service: { type: 'string' },
        start: { type: 'string' },
        repeats: { type: 'string' },
        forever: { type: 'boolean' },
        frequency: { type: 'string' },
        cron: { type: 'string' },
        description: { type: 'string' },
      },
      run: async (c) => {
        const number = (v: string | undefined) => (v === undefined ? undefined : Number(v));
        const value = await c.client.request<Record<string, unknown>>('POST', path(c.system(), c.args[0]), {
          body: {
            start_time: c.str('start') ?? 'Now',
            repeats: c.values.forever === true ? -1 : (number(c.str('repeats')) ?? 0),
            frequency: number(c.str('frequency')),
            cron: c.str('cron'),
            service_name: c.str('service') ?? '',
            description: c.str('description') ?? '',
          },
        });
        return { value, message: `created timer ${c.args[0]}, next run ${String(value.next_run ?? '-')}` };
      },
    },
    delete: {
      usage: '<name>',
      summary: 'delete a timer',
      args: 1,
      run: async (c) => {
        await c.client.request('DELETE', path(c.system(), c.args[0]));
        return { value: { deleted: c.args[0] }, message: `deleted timer ${c.args[0]}` };
      },
    },
  },
);
