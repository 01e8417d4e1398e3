// The commands that need the platform's own code (`start`, `admin`), declared here for the commander program
// while their code loads only when they run: fastify, aedes, isolated-vm and SQLite are what make a CLI
// start slow, and no other command needs them. `start`'s options are the configuration table itself.
import { OPTIONS } from '../../services/config/options.js';
import { type OptionSpec, type SpecCommand, valueOption } from './parser.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Every setting as a `start` option: its doc, variable and default in --help; a boolean's value optional. */
function startOptions(): Record<string, OptionSpec> {
  const out: Record<string, OptionSpec> = {
    config: valueOption('JSON file of settings, keys as dotted paths (or $ISOBAR_CONFIG)'),
  };
  for (const o of OPTIONS) {
    const def = o.default === undefined ? '' : `, default ${String(o.default)}`;
    out[o.flag.replace(/^--/, '')] = {
      type: 'string',
      optionalValue: o.type === 'bool',
      help: `${o.doc} (${o.env}${def})`,
    };
  }
  return out;
}

/** `isobar start`: the options are handed to loadConfig as flags, which validates them all at once. */
export const startSpec: SpecCommand = {
  summary: 'run the platform (broker, engine, REST) in this process',
  usage: '[--config FILE] [--http-port N] [--data-dir DIR] …',
  options: startOptions(),
  details:
    'Every option may also be set by its environment variable or in a JSON file given by --config.\n' +
    'Port 0 means any free port, -1 disables that listener.\n',
  run: async (_args, values, io) => {
    const argv = Object.entries(values).flatMap(([name, v]) =>
      v === undefined ? [] : [`--${name}=${v === true ? 'true' : String(v)}`],
    );
    return (await import('./start.js')).startCommand(argv, io);
  },
};

/** `isobar admin reset-password`. */
export const resetPasswordSpec: SpecCommand = {
  summary: "set a developer's password in a stopped platform's data dir and end their sessions",
  usage: '[--email EMAIL] [--password PW] [--data-dir DIR]',
  options: {
    email: valueOption('the developer (may be left out when the data dir holds only one)'),
    password: valueOption(
      'the new password; without it: asked on a terminal (empty: generate one), else generated and printed once',
    ),
    'data-dir': valueOption('the data directory (default: $ISOBAR_DATA_DIR, then ./data)'),
  },
  details: 'Run it with the platform stopped: it refuses while another process holds the data dir.\n',
  run: async (_args, values, io) =>
    (await import('./admin.js')).resetPasswordCommand(
      { email: str(values.email), password: str(values.password), dataDir: str(values['data-dir']) },
      io,
    ),
};
