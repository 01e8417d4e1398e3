// `isobar services`: push, run, read logs of, list, delete, and version code services over the REST API.
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { groupCommand, type ActionContext } from './client.js';
import { openEventStream, type EventStream, type StreamEvent } from './event-stream.js';
import { RestError } from './rest-client.js';
import type { Output } from './format.js';
import { typeCheck } from './type-check.js';
import { flagOption, valueOption } from './parser.js';

interface Position {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

interface LogRow {
  readonly log: string;
  readonly service_execution_time: string;
  readonly service_instance_id: string;
  readonly success: boolean | null;
  readonly version?: number;
  readonly source?: string;
  readonly code?: string;
  readonly message?: string;
  readonly position?: Position;
}

/** One `run` event of the live tail (services/code/run-tail.ts). */
interface RunEvent {
  readonly time: number;
  readonly instanceId: string;
  readonly source: string;
  readonly success: boolean;
  readonly code?: string;
  readonly message?: string;
  readonly position?: Position;
  readonly duration: number | null;
  readonly logs?: ReadonlyArray<{ readonly message: string }>;
  readonly dropped?: number;
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

/** "CODE: text at file:line:column" of a failed run. */
function failureLine(f: { code?: string; message?: string; position?: Position }): string {
  const at =
    f.position === undefined
      ? ''
      : ` at ${f.position.file}:${String(f.position.line)}:${String(f.position.column)}`;
  return `${f.code === undefined ? '' : `${f.code}: `}${f.message ?? ''}${at}`;
}

function logLines(rows: readonly LogRow[]): string {
  return rows
    .map((r) => {
      const failed = r.success === false ? ` (failed${r.source === undefined ? '' : `, ${r.source}`})` : '';
      const why = r.success === false ? `\n${failureLine(r)}` : '';
      return `--- ${r.service_execution_time} ${r.service_instance_id}${failed}${why}${r.log === '' ? '' : `\n${r.log}`}`;
    })
    .join('\n');
}

function eventLines(e: RunEvent): string {
  const took = e.duration === null ? '' : ` ${String(e.duration)} ms`;
  const head = `--- ${new Date(e.time).toISOString()} ${e.source} ${e.instanceId} ${e.success ? 'ok' : 'FAILED'}${took}`;
  const dropped =
    e.dropped === undefined ? '' : `\n(${String(e.dropped)} runs not shown: the tail fell behind)`;
  const why = e.success ? '' : `\n${failureLine(e)}`;
  const logs = (e.logs ?? []).map((l) => `\n${l.message}`).join('');
  return `${head}${dropped}${why}${logs}`;
}

const streamPath = (c: ActionContext, name: string) =>
  `/api/v/3/code/${c.system()}/logs/${encodeURIComponent(name)}/stream`;

/** Prints every run of the service as it ends (server-sent events) until interrupted or `count` runs. */
async function follow(c: ActionContext, name: string, count: number | undefined): Promise<Output> {
  let seen = 0;
  let stream: EventStream | undefined;
  const onSignal = () => stream?.close();
  process.once('SIGINT', onSignal);
  try {
    stream = await openEventStream(c.client, streamPath(c, name), (e: StreamEvent) => {
      if (e.event === 'ready') c.io.stderr.write(`(following ${name}; Ctrl-C to stop)\n`);
      if (e.event !== 'run') return;
      c.io.stdout.write(`${eventLines(e.data as RunEvent)}\n`);
      if (count !== undefined && ++seen >= count) stream?.close();
    });
    await stream.ended;
  } finally {
    process.off('SIGINT', onSignal);
  }
  return { value: [], message: '' };
}

/**
 * After a stream service was pushed: waits up to `waitMs` for an instance of the new version to exit (told
 * live, and checked in the failed-run logs for one that exited before the watch began), then says how many
 * instances run. Exit code 1 when one crashed.
 */
async function streamOutcome(
  c: ActionContext,
  name: string,
  version: number,
  watch: Promise<EventStream | undefined>,
  crashed: Promise<RunEvent>,
  waitMs: number,
): Promise<{ line: string; failed: boolean }> {
  const stream = await watch;
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs)));
  const live = await Promise.race([crashed, bound]);
  clearTimeout(timer);
  stream?.close();
  const early =
    live === undefined
      ? (
          await c.client.request<LogRow[]>(
            'GET',
            `/codeadmin/v/2/logs/${c.system()}/${encodeURIComponent(name)}?failed=true&limit=20`,
          )
        ).find((r) => r.source === 'stream' && r.version === version)
      : undefined;
  const failure = live ?? early;
  if (failure !== undefined) return { line: `stream instance exited: ${failureLine(failure)}`, failed: true };
  const running = await c.client.request<Record<string, { name: string; version: number; state: string }>>(
    'GET',
    `/codeadmin/v/3/running/${c.system()}`,
  );
  const mine = Object.values(running).filter((i) => i.name === name && i.version === version);
  return {
    line: `${String(mine.length)} instance(s) running after ${String(waitMs)} ms`,
    failed: mine.length === 0,
  };
}

/** `isobar services push|run|logs|list|delete|versions|rollback`. */
export const servicesCommand = groupCommand('services', 'Push, run and manage code services.', {
  push: {
    usage:
      '<file> [--name N] [--stream] [--timeout S] [--concurrency N] [--dependencies a,b] [--params a,b] [--run-user ID] [--strict-isolation] [--check] [--wait MS]',
    summary: 'create or update a service from a .js/.mjs/.ts file (every push is a new version)',
    options: {
      name: valueOption("service name (default: the file's name)"),
      stream: flagOption('a stream service (execution_timeout -1): runs until stopped'),
      timeout: valueOption('execution_timeout, seconds (default 60)'),
      concurrency: valueOption('stream instances to run'),
      dependencies: valueOption('libraries to bundle, comma-separated'),
      params: valueOption('parameter names the service takes, comma-separated'),
      'run-user': valueOption('user id the service runs as (developers only)'),
      'auto-restart': flagOption('restart a stream instance that ended'),
      logging: flagOption('keep the logs of every run'),
      'strict-isolation': flagOption('a fresh V8 context for every run (no warm reuse)'),
      check: flagOption(
        'type-check a TypeScript file against the runtime types first; type errors stop the push',
      ),
      wait: valueOption('stream services: ms to watch the new instances for a crash (default 2000)'),
    },
    run: async (c) => {
      const file = c.args[0];
      const name = c.str('name') ?? basename(file, extname(file));
      if (c.values.check === true) {
        const errors = await typeCheck(file);
        if (errors !== '') throw new Error(`type errors, not pushed:\n${errors.trimEnd()}`);
      }
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
      // A stream is watched from before the save, so an instance that crashes at once is seen.
      let crash: (e: RunEvent) => void = () => undefined;
      const crashed = new Promise<RunEvent>((resolve) => (crash = resolve));
      const watch =
        timeout === -1
          ? openEventStream(c.client, streamPath(c, name), (e) => {
              const run = e.data as RunEvent;
              if (e.event === 'run' && run.source === 'stream' && !run.success) crash(run);
            }).catch(() => undefined)
          : Promise.resolve(undefined);
      try {
        saved = await c.client.request('POST', svc(c, name), { body });
      } catch (err) {
        if (!(err instanceof RestError) || err.code !== 'CB_ERR_CODE_SERVICE_EXISTS') throw err;
        saved = await c.client.request('PUT', svc(c, name), { body });
      }
      const kind = saved.execution_timeout === -1 ? 'stream' : 'micro';
      const message = `${name}: version ${String(saved.current_version)} (${kind} service)`;
      if (kind !== 'stream') {
        (await watch)?.close();
        return { value: saved, message };
      }
      const outcome = await streamOutcome(
        c,
        name,
        saved.current_version,
        watch,
        crashed,
        int(c, 'wait') ?? 2000,
      );
      return {
        value: { ...saved, stream: outcome.line },
        message: `${message}\n${outcome.line}`,
        exitCode: outcome.failed ? 1 : 0,
      };
    },
  },
  run: {
    usage: "<name> [--params '{...}'] [--logs]",
    summary: 'execute a service and print {success, results, logs?}',
    options: {
      params: valueOption('the parameters as a JSON object'),
      logs: flagOption("show the run's log lines"),
    },
    run: async (c) => {
      const value = await c.client.request(
        'POST',
        `/api/v/1/code/${c.system()}/${encodeURIComponent(c.args[0])}`,
        {
          body: json(c.str('params'), '--params'),
          headers: c.values.logs === true ? { 'Logging-enabled': 'true' } : {},
        },
      );
      // A run that failed (resp.error, a thrown error, a limit) answers 200 with success:false: exit 1 so
      // scripts and CI notice, as they would for a refused request.
      const failed = (value as { success?: unknown } | null)?.success === false;
      return { value, message: JSON.stringify(value, null, 2), exitCode: failed ? 1 : 0 };
    },
  },
  logs: {
    usage: '<name> [--follow] [--count N] [--failed]',
    summary: 'logs of recent runs (failed runs always; the rest when logging is on or run with --logs)',
    options: {
      follow: flagOption('print every run as it ends, live, until Ctrl-C'),
      count: valueOption('with --follow: stop after N runs'),
      failed: flagOption('only failed runs'),
    },
    run: async (c) => {
      const name = c.args[0];
      if (c.values.follow === true) return follow(c, name, int(c, 'count'));
      const rows = await c.client.request<LogRow[]>(
        'GET',
        `/codeadmin/v/2/logs/${c.system()}/${encodeURIComponent(name)}${c.values.failed === true ? '?failed=true' : ''}`,
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
    run: async (c) => ({
      value: await c.client.request('DELETE', svc(c, c.args[0])),
      message: `deleted ${c.args[0]}`,
    }),
  },
  versions: {
    usage: '<name>',
    summary: 'every version of a service (the current one marked)',
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
