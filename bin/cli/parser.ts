// The command-line parser: commander, driven from the tables the commands declare (their actions, options,
// arguments), so help, did-you-mean, negative numbers as values and completion all come from one definition.
// Output goes to the CliIo streams and errors come back as exit codes (never process.exit), so tests call
// `runCli` in-process.
import { Command as Commander, CommanderError, Option } from 'commander';
import type { CliIo } from './io.js';

/** One option of a command, as the command declares it. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** A string option whose value may be left out (`--flag` alone is `true`): boolean settings of `start`. */
  readonly optionalValue?: boolean;
  readonly short?: string;
  /** What the option does, for --help (else the usage's placeholder alone). */
  readonly help?: string;
}

/** A string option taking a value (`--name N`): each option of a command's table is one line. */
export function valueOption(help?: string): OptionSpec {
  return { type: 'string', help };
}

/** A boolean option (`--stream`): present or not. */
export function flagOption(help: string): OptionSpec {
  return { type: 'boolean', help };
}

/** A string option given any number of times (`--field k=v --field k2=v2`): its values as a list. */
export function repeatableOption(help?: string): OptionSpec {
  return { type: 'string', multiple: true, help };
}

/** The exit code the running action sets; commander's own outcomes are mapped by `runProgram`. */
export interface Outcome {
  code: number;
}

/** A commander program writing to `io`, throwing instead of exiting, with suggestions for typos. */
export function newProgram(name: string, io: CliIo): Commander {
  return new Commander(name)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run with --help for usage)');
}

/** Parses `argv` against `program` and answers the exit code: 0 help/version, 2 usage errors. */
export async function runProgram(
  program: Commander,
  argv: readonly string[],
  outcome: Outcome,
): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return outcome.code;
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    return 2;
  }
}

/** The placeholder a usage string gives an option (`--service S` → `S`), else `VALUE`. */
function placeholder(usage: string, name: string): string {
  const m = new RegExp(`--${name}[ =]([A-Z][A-Za-z0-9|_]*|'[^']*'|<[^>]+>)`).exec(usage);
  return m === null ? 'value' : m[1].replace(/^<|>$/g, '').replace(/'/g, '');
}

/** Adds the declared options to `cmd`; string options take a value (a negative number is a value). */
export function addOptions(
  cmd: Commander,
  options: Readonly<Record<string, OptionSpec>>,
  usage: string,
): void {
  for (const [name, spec] of Object.entries(options)) {
    if (name === 'help') continue;
    const short = spec.short === undefined ? '' : `-${spec.short}, `;
    const ph = placeholder(usage, name);
    const value = spec.type === 'boolean' ? '' : spec.optionalValue === true ? ` [${ph}]` : ` <${ph}>`;
    const option = new Option(`${short}--${name}${value}`, spec.help ?? '');
    if (spec.multiple === true) {
      option.argParser((v: string, prev: unknown) => [...(Array.isArray(prev) ? (prev as string[]) : []), v]);
      option.description = `${spec.help ?? ''}${spec.help === undefined ? '' : ' '}(repeatable)`;
    }
    cmd.addOption(option);
  }
}

/** The positional arguments a usage string names before its options (`<name> [version]`). */
export function positionals(usage: string): string[] {
  const out: string[] = [];
  for (const m of usage.matchAll(/<[^>]+>|\[[^\]]*\]|\(|--/g)) {
    if (m[0] === '(' || m[0] === '--' || m[0].startsWith('[-')) break;
    out.push(m[0].replace(/\s+/g, '-'));
  }
  return out;
}

/** The option values under their declared names (commander camel-cases them). */
export function declaredValues(
  cmd: Commander,
  options: Readonly<Record<string, OptionSpec>>,
): Record<string, string | boolean | string[] | undefined> {
  const opts = cmd.opts<Record<string, string | boolean | string[] | undefined>>();
  const out: Record<string, string | boolean | string[] | undefined> = {};
  for (const option of cmd.options) {
    const long = option.long?.replace(/^--/, '');
    if (long !== undefined && Object.prototype.hasOwnProperty.call(options, long)) {
      out[long] = opts[option.attributeName()];
    }
  }
  return out;
}

/** A command outside the REST groups, declared like a group's action (login, init). */
export interface SpecCommand {
  readonly summary: string;
  /** Arguments and options, for --help (its `<x>`/`[x]` words are the arguments). */
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Help text printed after the options. */
  readonly details?: string;
  run(
    args: readonly string[],
    values: Readonly<Record<string, string | boolean | string[] | undefined>>,
    io: CliIo,
  ): Promise<number>;
}

/** Adds a declared command to `parent`; its run sets `outcome`. */
export function addSpecCommand(
  parent: Commander,
  name: string,
  spec: SpecCommand,
  io: CliIo,
  outcome: Outcome,
): Commander {
  const cmd = parent.command(name).description(spec.summary);
  for (const arg of positionals(spec.usage)) cmd.argument(arg);
  addOptions(cmd, spec.options, spec.usage);
  if (spec.details !== undefined) cmd.addHelpText('after', `\n${spec.details}`);
  cmd.action(async () => {
    outcome.code = await spec.run(cmd.args, declaredValues(cmd, spec.options), io);
  });
  return cmd;
}
