// `isobar services`: push, run, read logs of, list, delete, and version code services over the REST API.
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { groupCommand, type ActionContext } from './client.js';
import { RestError } from './rest-client.js';
import type { Output } from './format.js';

interface LogRow {
  readonly log: string;
  readonly service_execution_time: string;
  readonly service_instance_id: string;
  readonly success: boolean | null;
}

const svc = (c: ActionContext, name: string) => `/admin/code/v/1/${c.system()}/${encodeURIComponent(name)}`;
const history = (c: ActionContext, name: string) =>
  `/codeadmin/v/2/history/service/${c.system()}/${encodeURIComponent(name)}`;

function int(c: ActionContext, option: string): number | undefined {
  const raw = c.str(option);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`--${option} expects an integer, got ${JSON.stringify(raw)}`);
  return n;
}

function json(raw: string | undefined, what: string): unknown {
  if (raw === undefined) return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new Error(`${what} must be JSON, got ${JSON.stringify(raw)}`);
  }
}

function logLines(rows: readonly LogRow[]): string {
  return rows
    .map(
      (r) =>
        `--- ${r.service_execution_time} ${r.service_instance_id}${r.success === false ? ' (failed)' : ''}\n${r.log}`,
    )
    .join('\n');
}

/** Prints new log rows every `interval` ms until the process is interrupted. */
async function follow(c: ActionContext, name: string, interval: number): Promise<Output> {
  const seen = new Set<string>();
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  try {
    while (!stop.signal.aborted) {
      const rows = await c.client.request<LogRow[]>(
        'GET',
        `/codeadmin/v/2/logs/${c.system()}/${encodeURIComponent(name)}`,
      );
      const fresh = rows.filter((r) => !seen.has(r.service_instance_id + r.service_execution_time)).reverse();
      for (const r of fresh) seen.add(r.service_instance_id + r.service_execution_time);
      if (fresh.length > 0) c.io.stdout.write(`${logLines(fresh)}\n`);
      await delay(interval, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  } finally {
    process.off('SIGINT', onSignal);
  }
  return { value: [], message: '' };
}

/** `isobar services push|run|logs|list|delete|versions|rollback`. */
export const servicesCommand = groupCommand('services', 'Push, run and manage code services.', {
  push: {
    usage:
      '<file> [--name N] [--stream] [--timeout S] [--concurrency N] [--dependencies a,b] [--params a,b] [--run-user ID] [--strict-isolation]',
    summary: 'create or update a service from a .js/.mjs/.ts file (every push is a new version)',
    args: 1,
    options: {
      name: { type: 'string' },
      stream: { type: 'boolean' },
      timeout: { type: 'string' },
      concurrency: { type: 'string' },
      dependencies: { type: 'string' },
      params: { type: 'string' },
      'run-user': { type: 'string' },
      'auto-restart': { type: 'boolean' },
      logging: { type: 'boolean' },
      'strict-isolation': { type: 'boolean' },
    },
    run: async (c) => {
      const file = c.args[0];
      const name = c.str('name') ?? basename(file, extname(file));
      const body: Record<string, unknown> = { name, code: readFileSync(file, 'utf8') };
      const timeout = c.values.stream === true ? -1 : int(c, 'timeout');
      if (timeout !== undefined) body.execution_timeout = timeout;
      const concurrency = int(c, 'concurrency');
      if (concurrency !== undefined) body.concurrency = concurrency;
      if (c.str('dependencies') !== undefined) body.dependencies = c.str('dependencies');
      if (c.str('run-user') !== undefined) body.run_user = c.str('run-user');
      if (c.str('params') !== undefined) body.parameters = (c.str('params') ?? '').split(',').filter(Boolean);
      if (c.values['auto-restart'] === true) body.auto_restart = true;
      if (c.values.logging === true) body.logging_enabled = true;
      // A fresh V8 context for every run instead of a warm one (runtime-api/README.md, "Warm runs").
      if (c.values['strict-isolation'] === true) body.strict_isolation = true;
      let saved: { current_version: number; execution_timeout: number };
      try {
        saved = await c.client.request('POST', svc(c, name), { body });
      } catch (err) {
        if (!(err instanceof RestError) || err.code !== 'CB_ERR_CODE_SERVICE_EXISTS') throw err;
        saved = await c.client.request('PUT', svc(c, name), { body });
      }
      const kind = saved.execution_timeout === -1 ? 'stream' : 'micro';
      return { value: saved, message: `${name}: version ${String(saved.current_version)} (${kind} service)` };
    },
  },
  run: {
    usage: "<name> [--params '{...}'] [--logs]",
    summary: 'execute a service and print {success, results, logs?}',
    args: 1,
    options: { params: { type: 'string' }, logs: { type: 'boolean' } },
    run: async (c) => {
      const value = await c.client.request(
        'POST',
        `/api/v/1/code/${c.system()}/${encodeURIComponent(c.args[0])}`,
        {
          body: json(c.str('params'), '--params'),
          headers: c.values.logs === true ? { 'Logging-enabled': 'true' } : {},
        },
      );
      return { value, message: JSON.stringify(value, null, 2) };
    },
  },
  logs: {
    usage: '<name> [--follow] [--interval MS]',
    summary: 'logs of recent runs (the service must have logging on, or runs with --logs)',
    args: 1,
    options: { follow: { type: 'boolean' }, interval: { type: 'string' } },
    run: async (c) => {
      const name = c.args[0];
      if (c.values.follow === true) return follow(c, name, int(c, 'interval') ?? 1000);
      const rows = await c.client.request<LogRow[]>(
        'GET',
        `/codeadmin/v/2/logs/${c.system()}/${encodeURIComponent(name)}`,
      );
      return { value: rows, message: rows.length === 0 ? '(no logs)' : logLines([...rows].reverse()) };
    },
  },
  list: {
    usage: '',
    summary: 'names of the services of the system',
    run: async (c) => {
      const r = await c.client.request<{ code: string[] | null }>('GET', `/admin/code/v/1/${c.system()}`);
      const names = r.code ?? [];
      return { value: names, message: names.length === 0 ? '(none)' : names.join('\n') };
    },
  },
  delete: {
    usage: '<name>',
    summary: 'delete a service with its versions and logs',
    args: 1,
    run: async (c) => ({
      value: await c.client.request('DELETE', svc(c, c.args[0])),
      message: `deleted ${c.args[0]}`,
    }),
  },
  versions: {
    usage: '<name>',
    summary: 'every version of a service (the current one marked)',
    args: 1,
    run: async (c) => {
      const rows = await c.client.request<Array<Record<string, unknown>>>('GET', history(c, c.args[0]));
      return {
        value: rows,
        columns: [
          'version',
          'current',
          'created_at',
          'execution_timeout',
          'dependencies',
          'rolled_back_from',
        ],
      };
    },
  },
  rollback: {
    usage: '<name> <version>',
    summary: 'make a new version with the content of an older one',
    args: 2,
    run: async (c) => {
      const version = Number(c.args[1]);
      if (!Number.isInteger(version) || version < 1) throw new Error(`version must be a positive integer`);
      const saved = await c.client.request<{ current_version: number }>(
        'POST',
        `${history(c, c.args[0])}/rollback`,
        {
          body: { version },
        },
      );
      return {
        value: saved,
        message: `${c.args[0]}: version ${String(saved.current_version)} (content of version ${String(version)})`,
      };
    },
  },
});
