// The `isobar` dispatcher: one commander program built from every command's definition, so `--help`,
// `--version`, did-you-mean and `isobar completion` all read the same table.
import type { Command as Commander } from 'commander';
import type { CliIo, Command } from './io.js';
import { VERSION } from './version.js';
import { addGroup, type GroupCommand } from './client.js';
import { addSpecCommand, newProgram, runProgram, type Outcome, type SpecCommand } from './parser.js';
import { completionScript } from './completion.js';
import { edgesCommand } from './edges.js';
import { deployCommand } from './deploy.js';
import { servicesCommand } from './services.js';
import { loginSpec } from './login.js';
import { systemsCommand } from './systems.js';
import { usersCommand } from './users.js';
import { devicesCommand } from './devices.js';
import { rolesCommand } from './roles.js';
import { historyCommand } from './history.js';
import { triggersCommand } from './triggers.js';
import { timersCommand } from './timers.js';
import { initSpec } from './init.js';

/** A command that parses its own arguments (its --help is its own). */
interface PlainCommand {
  readonly run: Command;
  readonly summary: string;
}

const plain = (run: Command, summary: string): PlainCommand => ({ run, summary });

const COMMANDS: Record<string, PlainCommand | GroupCommand | SpecCommand> = {
  // Loaded on use: the platform (fastify, aedes, isolated-vm, SQLite) is what makes a CLI start slow,
  // and only these two commands need it.
  start: plain(
    async (args, io) => (await import('./start.js')).startCommand(args, io),
    'run the platform (broker, engine, REST) in this process',
  ),
  admin: plain(
    async (args, io) => (await import('./admin.js')).adminCommand(args, io),
    'offline repair of a stopped platform: reset-password',
  ),
  login: loginSpec,
  systems: systemsCommand,
  users: usersCommand,
  devices: devicesCommand,
  roles: rolesCommand,
  services: servicesCommand,
  triggers: triggersCommand,
  timers: timersCommand,
  history: { run: historyCommand, summary: "print a topic's stored messages (--count N, --since T)" },
  edges: edgesCommand,
  deploy: { run: deployCommand, summary: 'deploy a service, library, trigger or timer to edges' },
  init: initSpec,
};

/** The whole program; `outcome` receives the exit code of the action that runs. */
export function buildProgram(io: CliIo, outcome: Outcome): Commander {
  const program = newProgram('isobar', io)
    .description('Isobar: MQTT broker and sandboxed code services speaking ClearBlade’s contract.')
    .version(`isobar ${VERSION}`, '-V, --version', 'print the version')
    .addHelpText('after', '\nRun `isobar <command> --help` for a command’s options.');
  for (const [name, c] of Object.entries(COMMANDS)) {
    if ('group' in c) {
      addGroup(program, c.group, io, outcome);
      continue;
    }
    if ('options' in c) {
      addSpecCommand(program, name, c, io, outcome);
      continue;
    }
    // Plain commands keep their own parser: every argument after the name is handed over verbatim.
    program
      .command(name)
      .description(c.summary)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[args...]')
      .action(async (args: string[]) => {
        outcome.code = await c.run(args, io);
      });
  }
  program
    .command('completion')
    .description('print a shell completion script: eval "$(isobar completion bash)"')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') {
        io.stderr.write(`isobar completion: unknown shell ${JSON.stringify(shell)} (bash or zsh)\n`);
        outcome.code = 2;
        return;
      }
      io.stdout.write(completionScript(program, shell));
    });
  return program;
}

/** Dispatches `isobar <command> ...`; returns the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const outcome: Outcome = { code: 0 };
  const program = buildProgram(io, outcome);
  if (argv.length === 0) {
    io.stdout.write(program.helpInformation());
    return 1;
  }
  return runProgram(program, argv, outcome);
}
