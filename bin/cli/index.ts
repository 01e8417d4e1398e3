// The `isobar` dispatcher: one commander program built from every command's definition, so `--help`,
// `--version`, did-you-mean and `isobar completion` all read the same table.
import type { Command as Commander } from 'commander';
import type { CliIo } from './io.js';
import { VERSION } from './version.js';
import { addGroup, type GroupCommand } from './client.js';
import { addSpecCommand, newProgram, runProgram, type Outcome, type SpecCommand } from './parser.js';
import { completionScript } from './completion.js';
import { edgesCommand } from './edges.js';
import { deploySpec } from './deploy.js';
import { servicesCommand } from './services.js';
import { loginSpec } from './login.js';
import { systemsCommand } from './systems.js';
import { usersCommand } from './users.js';
import { devicesCommand } from './devices.js';
import { rolesCommand } from './roles.js';
import { historySpec } from './history.js';
import { resetPasswordSpec, startSpec } from './lazy-specs.js';
import { triggersCommand } from './triggers.js';
import { timersCommand } from './timers.js';
import { initSpec } from './init.js';

/** Sub-commands under a name of their own, each declared like a top-level one (`isobar admin reset-password`). */
interface SpecGroup {
  readonly summary: string;
  readonly specs: Readonly<Record<string, SpecCommand>>;
}

const COMMANDS: Record<string, GroupCommand | SpecCommand | SpecGroup> = {
  // start and admin load the platform's code only when they run (./lazy-specs.ts).
  start: startSpec,
  admin: {
    summary: 'offline repair of a stopped platform: reset-password',
    specs: { 'reset-password': resetPasswordSpec },
  },
  login: loginSpec,
  systems: systemsCommand,
  users: usersCommand,
  devices: devicesCommand,
  roles: rolesCommand,
  services: servicesCommand,
  triggers: triggersCommand,
  timers: timersCommand,
  history: historySpec,
  edges: edgesCommand,
  deploy: deploySpec,
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
    const parent = program.command(name).description(c.summary);
    for (const [sub, spec] of Object.entries(c.specs)) addSpecCommand(parent, sub, spec, io, outcome);
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
