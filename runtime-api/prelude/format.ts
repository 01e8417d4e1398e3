// Turning user values into text: log lines, error results, payloads. Written to never throw, whatever
// getters or cycles the value holds.

import { stringify } from './intrinsics.js';

const ErrorCtor = Error;

/** "<Name>: <message>" for errors, like ClearBlade's results of a thrown error; non-errors become "Error: …". */
export function errorText(value: unknown): string {
  try {
    if (value instanceof ErrorCtor) return `${String(value.name)}: ${String(value.message)}`;
    if (value !== null && typeof value === 'object') {
      const v = value as { name?: unknown; message?: unknown };
      if (typeof v.message === 'string')
        return `${typeof v.name === 'string' ? v.name : 'Error'}: ${v.message}`;
    }
    return `Error: ${typeof value === 'string' ? value : toText(value)}`;
  } catch {
    return 'Error: (unprintable value)';
  }
}

/** Most characters of a thrown error's stack carried to the host (its first frames are what matter). */
const MAX_STACK_CHARS = 4000;

/** The V8 stack of a thrown error, clipped; undefined for non-errors or a stack that cannot be read. */
export function stackText(value: unknown): string | undefined {
  try {
    if (!(value instanceof ErrorCtor)) return undefined;
    const stack: unknown = value.stack;
    return typeof stack === 'string' ? stack.slice(0, MAX_STACK_CHARS) : undefined;
  } catch {
    return undefined;
  }
}

/** A value as log text: strings as they are, errors as "<Name>: <message>", the rest as JSON. */
export function toText(value: unknown): string {
  try {
    if (typeof value === 'string') return value;
    if (value === undefined) return 'undefined';
    if (typeof value === 'function') return '[Function]';
    if (typeof value === 'bigint' || typeof value === 'symbol') return String(value);
    if (value instanceof ErrorCtor) return errorText(value);
    const json = stringify(value);
    return json === undefined ? String(value) : json;
  } catch {
    try {
      return String(value);
    } catch {
      return '(unprintable value)';
    }
  }
}

/** Bytes of an ArrayBuffer or view as a latin1 string, the form binary payloads cross in. */
export function binaryText(value: ArrayBuffer | ArrayBufferView): string {
  const bytes =
    value instanceof ArrayBuffer
      ? new Uint8Array(value)
      : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  let out = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    out += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 4096)));
  }
  return out;
}
