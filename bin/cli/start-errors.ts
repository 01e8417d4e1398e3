// What `isobar start` prints when it cannot start: one line naming the cause and the setting that fixes
// it, instead of a Node stack trace. Only the usual operator mistakes are translated (port taken or
// privileged, bind address absent, data dir not writable, bad config); anything else is a bug worth its
// stack, printed as such.
import { isIsobarError, IsobarError } from '../../runtime-api/errors/index.js';
import type { Config } from '../../services/config/load.js';
import { OPTIONS } from '../../services/config/options.js';
import { dataDirError, errnoCode } from './data-lock.js';

/** The error to print for a failed start, or undefined when it is not one we can explain in a line. */
export function explainStartError(err: unknown, config: Config | undefined): IsobarError | undefined {
  for (const e of causes(err)) {
    if (isIsobarError(e) && e.code.startsWith('CB_ERR_START_')) return e;
    if (isIsobarError(e) && e.code === 'CB_ERR_CONFIG_INVALID') return e;
    if (config === undefined) continue;
    const code = errnoCode(e);
    const port = portOf(e);
    if (code === 'EADDRINUSE' && port !== undefined) {
      return new IsobarError(
        'CB_ERR_START_PORT_IN_USE',
        { port, env: settingFor(port, config) },
        { cause: e },
      );
    }
    if ((code === 'EACCES' || code === 'EPERM') && port !== undefined) {
      return new IsobarError(
        'CB_ERR_START_PORT_DENIED',
        { port, env: settingFor(port, config) },
        { cause: e },
      );
    }
    if (code === 'EADDRNOTAVAIL' || (code === 'ENOTFOUND' && port !== undefined)) {
      return new IsobarError('CB_ERR_START_ADDRESS_UNAVAILABLE', { host: config.host }, { cause: e });
    }
    if (isDataDirProblem(e, code, config.dataDir)) return dataDirError(config.dataDir, e);
  }
  return undefined;
}

/** The one line printed for an explained error: the message, then the code for searching docs/errors.md. */
export function startErrorLine(err: IsobarError): string {
  return `isobar: ${err.message} [${err.code}]\n`;
}

function* causes(err: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    yield current;
    current = current instanceof Error ? current.cause : undefined;
  }
}

function portOf(err: unknown): number | undefined {
  if (err !== null && typeof err === 'object' && 'port' in err && typeof err.port === 'number')
    return err.port;
  return undefined;
}

/** The environment variable(s) whose configured value is `port`, e.g. `ISOBAR_HTTP_PORT`. */
function settingFor(port: number, config: Config): string {
  const names = OPTIONS.filter((o) => o.type === 'port' && valueAt(config, o.key) === port).map((o) => o.env);
  return names.length > 0 ? names.join(' or ') : 'its port setting';
}

function valueAt(config: Config, key: string): unknown {
  let node: unknown = config;
  for (const part of key.split('.')) {
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  }
  return node;
}

/** Filesystem errors on a path inside the data dir, and SQLite's "cannot open" (it names no path). */
function isDataDirProblem(err: unknown, code: string | undefined, dataDir: string): boolean {
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_READONLY_DIRECTORY') {
    return true;
  }
  const fsCodes = ['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOSPC'];
  if (code === undefined || !fsCodes.includes(code)) return false;
  const path = err !== null && typeof err === 'object' && 'path' in err ? String(err.path) : '';
  return path === '' || path.startsWith(dataDir);
}
