// One caller's view of the identity API: every call carries that caller's headers, so a test line names only
// what differs (method, path, body, and for a refusal its status and code).
import type { Api, Headers } from '../helpers.js';

export interface CallerApi {
  /** Calls and expects 200; returns the body. */
  ok<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  /** Calls and expects an error with this status and code. */
  fails(method: string, path: string, status: number, code: string, body?: unknown): Promise<void>;
}

/** Binds `caller`'s headers (a developer, user or device login) to the calls of `a`. */
export function as(a: Api, caller: { readonly headers: Headers }): CallerApi {
  const options = (body: unknown) =>
    body === undefined ? { headers: caller.headers } : { headers: caller.headers, body };
  return {
    ok: (method, path, body) => a.ok(method, path, options(body)),
    fails: (method, path, status, code, body) => a.fails(method, path, status, code, options(body)),
  };
}
