import type { CliIo, Command } from './io.js';
import { VERSION } from './version.js';
import { edgesCommand } from './edges.js';
import { deployCommand } from './deploy.js';
import { servicesCommand } from './services.js';
import { loginCommand } from './login.js';
import { systemsCommand } from './systems.js';
import { usersCommand } from './users.js';
import { devicesCommand } from './devices.js';
import { rolesCommand } from './roles.js';
import { historyCommand } from './history.js';
import { triggersCommand } from './triggers.js';
import { timersCommand } from './timers.js';

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  // Loaded on use: the platform (fastify, aedes, isolated-vm, SQLite) is what makes a CLI start slow,
  // and only these two commands need it.
  start: {
    run: async (args, io) => (await import('./start.js')).startCommand(args, io),
    summary: 'run the platform (broker, engine, REST) in this process',
  },
  admin: {
    run: async (args, io) => (await import('./admin.js')).adminCommand(args, io),
    summary: 'offline repair of a stopped platform: reset-password',
  },
  edges: { run: edgesCommand, summary: 'register edges, list them with their connection state' },
  deploy: { run: deployCommand, summary: 'deploy a service, library, trigger or timer to edges' },
  services: {
    run: servicesCommand,
    summary: 'push, run, list, delete code services; logs, versions, rollback',
  },
  login: { run: loginCommand, summary: 'log a developer in (token kept in ~/.isobar/credentials.json)' },
  systems: { run: systemsCommand, summary: 'create, list, update, delete and choose systems' },
  users: { run: usersCommand, summary: 'create, list, update and delete users; their roles' },
  devices: { run: devicesCommand, summary: 'create, list, update and delete devices; their roles' },
  roles: { run: rolesCommand, summary: 'create, list, update and delete roles and permissions' },
  history: { run: historyCommand, summary: "print a topic's stored messages (--count N, --since T)" },
  triggers: {
    run: triggersCommand,
    summary: 'create, list and delete triggers (and list their definitions)',
  },
  timers: { run: timersCommand, summary: 'create, list and delete timers' },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: isobar <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`isobar <command> --help\` for a command's options.\n`;
}

/** Dispatches `isobar <command> ...`; returns the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`isobar ${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr.write(`isobar: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  return command.run(rest, io);
}
