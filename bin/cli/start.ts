import { isIsobarError } from '../../runtime-api/errors/index.js';
import { loadConfig, type Config } from '../../services/config/load.js';
import { OPTIONS } from '../../services/config/options.js';
import { createLog } from '../../services/kernel/log.js';
import { createPlatform, type Platform } from '../../services/platform.js';
import { lockDataDir, type DataLock } from './data-lock.js';
import type { CliIo } from './io.js';
import { explainStartError, startErrorLine } from './start-errors.js';

function help(): string {
  const rows = OPTIONS.map(
    (o) => `  ${o.flag.padEnd(26)} ${o.env.padEnd(30)} ${o.doc} (default: ${String(o.default ?? '-')})`,
  );
  return `Usage: isobar start [options]\n\nEvery option may also be set by its environment variable or in a JSON file given by --config.\n\n${rows.join('\n')}\n`;
}

/**
 * `isobar start`: runs everything until SIGTERM/SIGINT, then shuts down gracefully and exits 0. A start
 * that fails for an operator reason (bad config, port taken, data dir not writable or in use) prints one
 * line with the fix and exits 1 (2 for bad configuration); the process owns its data dir meanwhile.
 */
export async function startCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(help());
    return 0;
  }
  let config: Config;
  try {
    config = loadConfig({ env: io.env, argv: args });
  } catch (err) {
    io.stderr.write(`isobar: ${isIsobarError(err) ? err.message : String(err)}\n`);
    return 2;
  }
  const log = createLog(config.log.level, {
    format: config.log.format,
    tty: (io.stdout as { isTTY?: boolean }).isTTY === true,
  });
  let lock: DataLock | undefined;
  let platform: Platform | undefined;
  try {
    lock = lockDataDir(config.dataDir);
    platform = await createPlatform(config, { log, out: io.stdout });
    const running = platform;
    const stopped = new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        // A terminal's Ctrl-C, or `timeout`, signals the whole process group, so the bin/isobar.js
        // shim's forwarded copy arrives too: a second signal must not kill a shutdown under way.
        if (stopping) return;
        stopping = true;
        log.info('shutting down', { signal });
        running.close().then(resolve, (err: unknown) => {
          log.error('shutdown failed', { err: String(err) });
          resolve();
        });
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
    const ports = await platform.start();
    // Cluster mode names the node, so an operator can tell which of several lines is whose.
    const node = config.cluster.enabled ? { node: config.cluster.nodeId } : {};
    io.stdout.write(`isobar ready ${JSON.stringify({ ...ports, dataDir: config.dataDir, ...node })}\n`);
    await stopped;
    return 0;
  } catch (err) {
    await platform?.close().catch(() => undefined);
    const explained = explainStartError(err, config);
    if (explained === undefined) throw err;
    io.stderr.write(startErrorLine(explained));
    return 1;
  } finally {
    lock?.release();
  }
}
