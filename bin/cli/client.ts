// What every `isobar` command shares: where the developer token is kept (~/.isobar/credentials.json, or
// $ISOBAR_HOME), the developer's REST client (rest-client.ts, the same client tests, bench and examples
// use), and `groupCommand`, which turns a table of actions (`list`, `create`, …) into a command with --help,
// --json, --url and --system.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command as Commander } from 'commander';
import type { CliIo, Command } from './io.js';
import { printOutput } from './format.js';
import {
  addOptions,
  declaredValues,
  flagOption,
  newProgram,
  positionals,
  runProgram,
  valueOption,
  type OptionSpec,
  type Outcome,
} from './parser.js';
import type { Output } from './format.js';
import { clearBladeHeaders, createRestClient, RestError, type RestClient } from './rest-client.js';

export const DEFAULT_URL = 'http://127.0.0.1:9000';

/** What `isobar login` stores. */
export interface Credentials {
  readonly url: string;
  readonly email: string;
  readonly token: string;
  /** Default system for commands without --system (`isobar systems use`). */
  readonly system?: string;
}

/** `$ISOBAR_HOME`, else `~/.isobar`. */
export function isobarHome(env: CliIo['env']): string {
  return env.ISOBAR_HOME ?? join(env.HOME ?? homedir(), '.isobar');
}

/** The stored credentials, or undefined when not logged in. */
export function readCredentials(env: CliIo['env']): Credentials | undefined {
  try {
    return JSON.parse(readFileSync(join(isobarHome(env), 'credentials.json'), 'utf8')) as Credentials;
  } catch {
    return undefined;
  }
}

/** Stores credentials readable by the owner only (the token is as good as the password until it expires). */
export function writeCredentials(env: CliIo['env'], credentials: Credentials): string {
  const dir = isobarHome(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'credentials.json');
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** What an action receives. */
export interface ActionContext {
  readonly args: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | Array<string | boolean> | undefined>>;
  readonly client: RestClient;
  readonly io: CliIo;
  /** The system to act on (see `chosenSystem`). */
  system(): string;
  /** A string option's value. */
  str(name: string): string | undefined;
  /** A repeatable string option's values. */
  list(name: string): string[];
}

/** One sub-command of a group (`isobar users create …`). */
export interface Action {
  /**
   * Arguments and options after the action name, for --help and parsing: its `<x>` words are the required
   * arguments (commander refuses a call without them), its `[x]` words optional ones.
   */
  readonly usage: string;
  readonly summary: string;
  readonly options?: Readonly<Record<string, OptionSpec>>;
  run(c: ActionContext): Promise<Output>;
}

/** The `list` action of a resource group: the system's rows as a table (`row` shapes each), as sent with --json. */
export function listAction(
  summary: string,
  path: (system: string) => string,
  columns: readonly string[],
  row: (r: Record<string, unknown>) => Record<string, unknown> = (r) => r,
): Action {
  return {
    usage: '',
    summary,
    run: async (c) => {
      const list = await c.client.request<Array<Record<string, unknown>>>('GET', path(c.system()));
      return { value: c.values.json === true ? list : list.map(row), columns };
    },
  };
}

/** The `delete` action of a resource group: `send` deletes `args[0]`, the answer names what went. */
export function deleteAction(
  kind: string,
  send: (c: ActionContext) => Promise<unknown>,
  usage = '<name>',
  summary = `delete a ${kind}`,
): Action {
  return {
    usage,
    summary,
    run: async (c) => {
      await send(c);
      return { value: { deleted: c.args[0] }, message: `deleted ${kind} ${c.args[0]}` };
    },
  };
}

/**
 * The `update` action of a resource that can be renamed (systems, roles): its settings plus --name, PUT to
 * `path` as `{ id: args[0], name, ...settings(c) }`, the update shape both share.
 */
export function renamableUpdateAction(
  usage: string,
  summary: string,
  options: Readonly<Record<string, OptionSpec>>,
  path: (c: ActionContext) => string,
  settings: (c: ActionContext) => Record<string, unknown>,
): Action {
  return {
    usage,
    summary,
    options: { ...options, name: valueOption('new name') },
    run: async (c) => ({
      value: await c.client.request('PUT', path(c), {
        body: { id: c.args[0], name: c.str('name'), ...settings(c) },
      }),
    }),
  };
}

/** A group's definition: what the parser, `--help` and shell completion are generated from. */
export interface GroupSpec {
  readonly name: string;
  readonly summary: string;
  readonly actions: Readonly<Record<string, Action>>;
}

/** A group command: runnable on its own, and carrying its definition for the top-level program. */
export type GroupCommand = Command & { readonly group: GroupSpec };

/** The options every command that talks to a platform takes: --url, --system, --json. */
export const COMMON: Readonly<Record<'url' | 'system' | 'json', OptionSpec>> = {
  url: valueOption(`platform (default: $ISOBAR_URL, else the one you logged in to, else ${DEFAULT_URL})`),
  system: valueOption('system key (default: $ISOBAR_SYSTEM_KEY, else `isobar systems use KEY`)'),
  json: flagOption('print JSON instead of a table'),
};

/** Reports a failure on stderr and returns the exit code. */
export function reportError(io: CliIo, err: unknown): number {
  if (err instanceof RestError) {
    io.stderr.write(`isobar: ${err.message}${err.statusCode > 0 ? ` (${err.code})` : ''}\n`);
    return 1;
  }
  io.stderr.write(`isobar: ${err instanceof Error ? err.message : String(err)}\n`);
  return 2;
}

/**
 * The client of the logged-in developer. URL: --url, $ISOBAR_URL, the stored one, the default.
 * Token: $ISOBAR_TOKEN, else the stored one.
 */
export function developerClient(io: CliIo, url: string | undefined): RestClient {
  const creds = readCredentials(io.env);
  const token = io.env.ISOBAR_TOKEN ?? (creds?.token === '' ? undefined : creds?.token);
  if (token === undefined) throw new Error('not logged in: run `isobar login --email <email>` first');
  return createRestClient(
    url ?? io.env.ISOBAR_URL ?? creds?.url ?? DEFAULT_URL,
    clearBladeHeaders.dev(token),
  );
}

/** The system of a command: --system, $ISOBAR_SYSTEM_KEY / $ISOBAR_SYSTEM, else `isobar systems use`. */
export function chosenSystem(io: CliIo, flag: string | undefined): string {
  const key = flag ?? io.env.ISOBAR_SYSTEM_KEY ?? io.env.ISOBAR_SYSTEM ?? readCredentials(io.env)?.system;
  if (key === undefined || key === '')
    throw new Error('no system: pass --system KEY or run `isobar systems use KEY`');
  return key;
}

/** Adds `group` to `parent` as a command with one sub-command per action; the action sets `outcome`. */
export function addGroup(parent: Commander, group: GroupSpec, io: CliIo, outcome: Outcome): Commander {
  const cmd = parent.command(group.name).description(group.summary);
  for (const [actionName, action] of Object.entries(group.actions)) {
    const sub = cmd.command(actionName).description(action.summary);
    for (const arg of positionals(action.usage)) sub.argument(arg);
    const options = { ...COMMON, ...action.options };
    addOptions(sub, options, action.usage);
    sub.action(async () => {
      outcome.code = await runAction(action, sub, options, io);
    });
  }
  return cmd;
}

async function runAction(
  action: Action,
  cmd: Commander,
  options: Readonly<Record<string, OptionSpec>>,
  io: CliIo,
): Promise<number> {
  const values = declaredValues(cmd, options);
  const args = cmd.args;
  try {
    const client = developerClient(io, typeof values.url === 'string' ? values.url : undefined);
    const str = (n: string) => {
      const v = values[n];
      return typeof v === 'string' ? v : undefined;
    };
    const output = await action.run({
      args,
      values,
      client,
      io,
      str,
      list: (n) => {
        const v = values[n];
        return Array.isArray(v) ? v : [];
      },
      system: () => chosenSystem(io, str('system')),
    });
    printOutput(io, values.json === true, output);
    return output.exitCode ?? 0;
  } catch (err) {
    return reportError(io, err);
  }
}

/** Turns a table of actions into a command with shared options, help, errors and output. */
export function groupCommand(
  name: string,
  summary: string,
  actions: Readonly<Record<string, Action>>,
): GroupCommand {
  const group: GroupSpec = { name, summary, actions };
  const run: Command = (argv, io) => {
    const outcome: Outcome = { code: 0 };
    const program = newProgram('isobar', io);
    addGroup(program, group, io, outcome);
    return runProgram(program, [name, ...argv], outcome);
  };
  return Object.assign(run, { group });
}
