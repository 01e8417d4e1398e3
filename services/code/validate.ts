// Checks shared by services and libraries, so the REST schemas, the CLI and internal callers agree.
import { IsobarError } from '../../runtime-api/errors/index.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

/** Service and library names become global names and URL segments: keep them plain. */
export function validateName(name: string): void {
  if (!NAME.test(name)) throw new IsobarError('CB_ERR_CODE_BAD_NAME', { name });
}

/** Throws CB_ERR_CODE_BAD_DEFINITION unless `ok`. */
export function check(ok: boolean, name: string, detail: string): void {
  if (!ok) throw new IsobarError('CB_ERR_CODE_BAD_DEFINITION', { name, detail });
}
