// `isobar admin ...`: operator commands that work on the data dir itself, with the platform stopped —
// the way back in when nothing over REST can help (a lost first-start password).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isIsobarError, IsobarError } from '../../runtime-api/errors/index.js';
import { loadConfig } from '../../services/config/load.js';
import { resetDeveloperPassword } from '../../services/offline-admin.js';
import { lockDataDir } from './data-lock.js';
import type { CliIo } from './io.js';
import { readHidden } from './prompt.js';

const USAGE = `Usage: isobar admin reset-password [--email <email>] [--password <password>] [--data-dir <dir>]

Sets a developer's password in the data dir (ISOBAR_DATA_DIR, default ./data) and ends that developer's
sessions. Run it with the platform stopped: it refuses while another process holds the data dir.
  --email      the developer (may be left out when the data dir holds only one)
  --password   the new password; without it you are asked on a terminal (empty: generate one), and
               elsewhere one is generated; a generated password is printed once.
  --data-dir   the data directory (default: ISOBAR_DATA_DIR, then ./data)
`;

/** `isobar admin <sub-command>`: offline administration of a stopped platform's data dir. */
export async function adminCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'reset-password') {
    io.stderr.write(`isobar admin: unknown sub-command ${JSON.stringify(sub)}\n\n${USAGE}`);
    return 2;
  }
  const flags = parseFlags(rest);
  if (typeof flags === 'string') {
    io.stderr.write(`isobar admin reset-password: ${flags}\n\n${USAGE}`);
    return 2;
  }
  if (flags.has('--help')) {
    io.stdout.write(USAGE);
    return 0;
  }
  try {
    const dataDir = flags.get('--data-dir');
    const config = loadConfig({ env: io.env, overrides: { dataDir } });
    let password = flags.get('--password');
    if (password === undefined && process.stdin.isTTY === true && io.stdout === process.stdout) {
      const typed = await readHidden('New password (empty: generate one): ', process.stdin, io.stdout);
      password = typed === '' ? undefined : typed;
    }
    // Checked before taking the lock, which would create a missing data dir.
    if (!existsSync(join(config.dataDir, 'isobar.db'))) {
      throw new IsobarError('CB_ERR_ADMIN_NO_DEVELOPER', {
        email: flags.get('--email') ?? 'account',
        dir: config.dataDir,
      });
    }
    const lock = lockDataDir(config.dataDir);
    try {
      const result = await resetDeveloperPassword({
        dataDir: config.dataDir,
        email: flags.get('--email'),
        password,
        passwordMinLength: config.identity.passwordMinLength,
      });
      const ended = `${result.revokedTokens} session${result.revokedTokens === 1 ? '' : 's'} ended`;
      io.stdout.write(
        result.generatedPassword === undefined
          ? `password of ${result.email} changed (${ended})\n`
          : `password of ${result.email} changed (${ended})\n  new password   ${result.generatedPassword}   <- generated, shown only this once\n`,
      );
      return 0;
    } finally {
      lock.release();
    }
  } catch (err) {
    if (!isIsobarError(err)) throw err;
    io.stderr.write(`isobar: ${err.message} [${err.code}]\n`);
    return 1;
  }
}

function parseFlags(args: readonly string[]): Map<string, string> | string {
  const known = new Set(['--email', '--password', '--data-dir']);
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') {
      flags.set('--help', 'true');
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!known.has(name)) return `unknown option ${arg}`;
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) return `${name} needs a value`;
    flags.set(name, value);
  }
  return flags;
}
