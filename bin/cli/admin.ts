// `isobar admin ...`: operator commands that work on the data dir itself, with the platform stopped —
// the way back in when nothing over REST can help (a lost first-start password).
import { isIsobarError, IsobarError } from '../../runtime-api/errors/index.js';
import { loadConfig } from '../../services/config/load.js';
import { resetDeveloperPassword, storeExists } from '../../services/offline-admin.js';
import { lockDataDir } from './data-lock.js';
import type { CliIo } from './io.js';
import { readHidden } from './prompt.js';

/** `isobar admin reset-password` with its parsed options (declared in ./lazy-specs.ts). */
export async function resetPasswordCommand(
  flags: { readonly email?: string; readonly password?: string; readonly dataDir?: string },
  io: CliIo,
): Promise<number> {
  try {
    const config = loadConfig({ env: io.env, overrides: { dataDir: flags.dataDir } });
    let password = flags.password;
    if (password === undefined && process.stdin.isTTY === true && io.stdout === process.stdout) {
      const typed = await readHidden('New password (empty: generate one): ', process.stdin, io.stdout);
      password = typed === '' ? undefined : typed;
    }
    // Checked before taking the lock, which would create a missing data dir.
    if (!storeExists(config.dataDir, config.store.databaseUrl)) {
      throw new IsobarError('CB_ERR_ADMIN_NO_DEVELOPER', {
        email: flags.email ?? 'account',
        dir: config.dataDir,
      });
    }
    const lock = lockDataDir(config.dataDir);
    try {
      const result = await resetDeveloperPassword({
        dataDir: config.dataDir,
        databaseUrl: config.store.databaseUrl,
        email: flags.email,
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
