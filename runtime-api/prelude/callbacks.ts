// ClearBlade's callback convention: cb(err: boolean, data). Calls without a callback throw on failure.

import type { Answer } from './bridge.js';
import { parse } from './intrinsics.js';

export type Callback = (err: boolean, data: unknown, ...rest: unknown[]) => void;

/** Data text of a waited call as a value (JSON text from the host; empty means null). */
export function answerData(answer: Answer & { ok: true }): unknown {
  return answer.data === '' ? null : parse(answer.data);
}

/** Hands a waited call's answer to `cb`, or throws its message when there is no callback. */
export function deliver(answer: Answer, cb: unknown, map: (data: unknown) => unknown = (d) => d): void {
  if (answer.ok) {
    const data = map(answerData(answer));
    if (typeof cb === 'function') (cb as Callback)(false, data);
    return;
  }
  if (typeof cb === 'function') (cb as Callback)(true, answer.message);
  else throw new Error(answer.message);
}

/** The last argument when it is a function: ClearBlade lets optional arguments be skipped. */
export function lastCallback(args: readonly unknown[]): Callback | undefined {
  const last = args[args.length - 1];
  return typeof last === 'function' ? (last as Callback) : undefined;
}
