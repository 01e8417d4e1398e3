import { isIsobarError } from '../../runtime-api/errors/index.js';
import { loadConfig } from '../../services/config/load.js';
import { OPTIONS } from '../../services/config/options.js';
import { createLog } from '../../services/kernel/log.js';
import { createPlatform } from '../../services/platform.js';
import type { CliIo } from './io.js';

function help(): string {
  const rows = OPTIONS.map(
    (o) => `  ${o.flag.padEnd(26)} ${o.env.padEnd(30)} ${o.doc} (default: ${String(o.default ?? '-')})`,
  );
  return `Usage: isobar start [options]\n\nEvery option may also be set by its environment variable or in a JSON file given by --config.\n\n${rows.join('\n')}\n`;
}

/** `isobar start`: runs everything until SIGTERM/SIGINT, then shuts down gracefully and exits 0. */
export async function startCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(help());
    return 0;
  }
  let config;
  try {
    config = loadConfig({ env: io.env, argv: args });
  } catch (err) {
    io.stderr.write(`isobar: ${isIsobarError(err) ? err.message : String(err)}\n`);
    return 2;
  }
  const log = createLog(config.log.level);
  const platform = await createPlatform(config, { log });
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info('shutting down', { signal });
      platform.close().then(resolve, (err: unknown) => {
        log.error('shutdown failed', { err: String(err) });
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  const ports = await platform.start();
  io.stdout.write(`isobar ready ${JSON.stringify({ ...ports, dataDir: config.dataDir })}\n`);
  await stopped;
  return 0;
}
