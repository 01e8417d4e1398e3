// One process owns a data directory: `isobar start` and the offline `isobar admin` commands take the lock
// file `<dataDir>/isobar.pid` (the owner's pid). Two platforms on one SQLite file and one LevelDB would
// corrupt each other's view, and a password reset under a running platform would not reach its caches.
// Writing the lock is also the first write into the data dir, so a directory we cannot write fails here
// with a readable error rather than deep inside SQLite.
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IsobarError } from '../../runtime-api/errors/index.js';

export const LOCK_FILE = 'isobar.pid';

/** A held lock; `release()` removes the file (idempotent). */
export interface DataLock {
  readonly file: string;
  release(): void;
}

/** Takes the data-dir lock or throws CB_ERR_START_DATA_DIR_IN_USE / CB_ERR_START_DATA_DIR. */
export function lockDataDir(dataDir: string): DataLock {
  const file = join(dataDir, LOCK_FILE);
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw dataDirError(dataDir, err);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          try {
            if (ownerOf(file) === process.pid) unlinkSync(file);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw dataDirError(dataDir, err);
    }
    const owner = ownerOf(file);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      throw new IsobarError('CB_ERR_START_DATA_DIR_IN_USE', { dir: dataDir, pid: owner });
    }
    // Stale: its process is gone (a crash, a kill -9, or our own pid in a restarted container).
    try {
      unlinkSync(file);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw dataDirError(dataDir, err);
    }
  }
  // Someone else took it between our unlink and our create.
  throw new IsobarError('CB_ERR_START_DATA_DIR_IN_USE', { dir: dataDir, pid: ownerOf(file) ?? '?' });
}

/** The pid of a running owner of `dataDir`, if any (the offline admin commands refuse to run then). */
export function dataDirOwner(dataDir: string): number | undefined {
  const owner = ownerOf(join(dataDir, LOCK_FILE));
  return owner !== undefined && owner !== process.pid && isAlive(owner) ? owner : undefined;
}

/** Turns a filesystem error on the data dir into the one-line start-up error. */
export function dataDirError(dataDir: string, err: unknown): IsobarError {
  const code = errnoCode(err);
  const reason =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'EROFS'
        ? 'read-only file system'
        : code === 'ENOTDIR' || code === 'EEXIST'
          ? 'a path component is a file, not a directory'
          : code === 'ENOSPC'
            ? 'no space left on device'
            : (code ?? String(err));
  return new IsobarError('CB_ERR_START_DATA_DIR', { dir: dataDir, reason }, { cause: err });
}

function ownerOf(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user — still alive.
    return errnoCode(err) === 'EPERM';
  }
}

/** The `code` of a Node system error (EADDRINUSE, EACCES, ...). */
export function errnoCode(err: unknown): string | undefined {
  if (err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}
