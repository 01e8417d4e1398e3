// req, resp and the outcome of one run. resp.success/error/send record the outcome and unwind user code by
// throwing ENDED; the bridge then refuses every later crossing, so code after them has no effect.

import type { BeginRequest, InstallConfig, Outcome } from '../sandbox-protocol.js';
import { ENDED, type Bridge } from './bridge.js';
import { errorText, stackText } from './format.js';
import { jsonDeeperThan } from '../json-depth.js';
import { stringify, isInteger } from './intrinsics.js';

const ErrorCtor = Error;
const RangeErrorCtor = RangeError;
const resolve = Promise.resolve.bind(Promise);

export interface Caller {
  userid: string;
  userToken: string;
  userEmail: string;
}

export interface Req extends Caller {
  readonly params: unknown;
  readonly systemKey: string;
  readonly systemSecret: string;
  readonly isLogging: boolean;
  readonly service_instance_id: string;
  readonly caller: Caller;
}

/** State of the one run of this context. */
export interface Run {
  readonly req: Req;
  readonly resp: {
    success(value?: unknown): never;
    error(value?: unknown): never;
    send(value?: unknown): never;
    set(headers: unknown, value?: unknown): void;
    status(code: number): void;
  };
  /** Runs the entry point and renders the outcome as the JSON text the engine reads. */
  main(entry: unknown): string | Promise<string>;
  /** The outcome of a run whose code threw before it reached the entry point (a warm run's top level). */
  fail(error: unknown): string;
}

/** req/resp for `begin`, and the runner the compiled service calls last. */
export function createRun(bridge: Bridge, config: InstallConfig, begin: BeginRequest): Run {
  let outcome: Outcome | undefined;
  let status: number | undefined;
  const headers: Record<string, string> = {};
  let hasHeaders = false;

  const caller = { userid: begin.userid, userToken: begin.userToken, userEmail: begin.userEmail };
  const req: Req = {
    params: begin.params === undefined ? {} : begin.params,
    systemKey: config.systemKey,
    systemSecret: config.systemSecret,
    userEmail: begin.userEmail,
    userid: begin.userid,
    userToken: begin.userToken,
    isLogging: begin.isLogging,
    service_instance_id: begin.instanceId,
    caller,
  };

  const render = (success: boolean, value: unknown): Outcome => {
    let text: string | undefined;
    try {
      text = value instanceof ErrorCtor ? stringify(errorText(value)) : stringify(value);
    } catch (err) {
      // V8 ends a too deep value with a stack overflow and a too large one with "Invalid string length":
      // both are limits with a stable code, not the service's own error.
      if (err instanceof RangeErrorCtor) {
        const deep = String(err.message).includes('call stack');
        return {
          s: false,
          r: 'null',
          c: deep ? 'CB_ERR_SANDBOX_RESULT_TOO_DEEP' : 'CB_ERR_SANDBOX_RESULT_TOO_LARGE',
        };
      }
      return { s: false, r: stringify(errorText(err)), e: true };
    }
    text ??= 'null';
    if (text.length > config.maxResultBytes)
      return { s: false, r: 'null', c: 'CB_ERR_SANDBOX_RESULT_TOO_LARGE' };
    // Refused here, before it crosses: recursive readers on the host and in clients overflow on deep JSON.
    if (jsonDeeperThan(text, config.maxResultDepth))
      return { s: false, r: 'null', c: 'CB_ERR_SANDBOX_RESULT_TOO_DEEP' };
    return { s: success, r: text };
  };

  const end = (success: boolean, value: unknown): never => {
    if (outcome === undefined && !bridge.ended) outcome = render(success, value);
    bridge.end();
    throw ENDED;
  };

  const finish = (thrown: boolean, error?: unknown): string => {
    bridge.end();
    let o: Outcome;
    if (outcome !== undefined) o = outcome;
    else if (thrown && error !== ENDED) {
      o = { s: false, r: stringify(errorText(error)), e: true };
      const stack = stackText(error);
      if (stack !== undefined) o.k = stack;
    } else o = { s: true, r: 'null' };
    if (status !== undefined) o.st = status;
    if (hasHeaders) o.h = headers;
    return stringify(o);
  };

  const resp: Run['resp'] = {
    success: (value) => end(true, value),
    error: (value) => end(false, value),
    send: (value) => end(true, value),
    set(h, value) {
      if (typeof h === 'string') {
        headers[h] = String(value);
        hasHeaders = true;
      } else if (h !== null && typeof h === 'object') {
        for (const [k, v] of Object.entries(h)) headers[k] = String(v);
        hasHeaders = true;
      }
    },
    status(code) {
      // Kept as asked (a non-integer as -1): the REST door refuses anything outside 200-599 with a stable
      // code, rather than this silently dropping it.
      status = typeof code === 'number' && isInteger(code) ? code : -1;
    },
  };

  return {
    req,
    resp,
    fail: (error) => finish(true, error),
    main(entry) {
      if (typeof entry !== 'function') {
        bridge.end();
        return stringify({ s: false, r: 'null', c: 'CB_ERR_SANDBOX_NO_ENTRY' } satisfies Outcome);
      }
      let returned: unknown;
      try {
        returned = (entry as (req: Req, resp: Run['resp']) => unknown)(req, resp);
      } catch (err) {
        return finish(true, err);
      }
      let thenable = false;
      try {
        thenable =
          returned !== null &&
          typeof returned === 'object' &&
          typeof (returned as { then?: unknown }).then === 'function';
      } catch {
        thenable = false;
      }
      if (!thenable) return finish(false);
      return resolve(returned).then(
        () => finish(false),
        (err: unknown) => finish(true, err),
      );
    },
  };
}
