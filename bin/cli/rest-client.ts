// The one REST client of the project: the `isobar` CLI, the tests, the benchmarks and the examples all talk
// to a platform through it, so a change to how ClearBlade headers, JSON bodies or error answers are handled
// is made once.
//
// Why here: it is a client of the public REST API, exactly like the CLI, and bin/ sits outside the platform
// in DESIGN.md's dependency direction — tests, bench and examples may import bin/, while runtime-api,
// engine, broker and services may not (eslint.config.js zones), so the platform can never grow a
// dependency on its own client. It imports nothing of ours, only Node.
//
// node:http rather than fetch: ClearBlade's Node SDK sends `{}` bodies on GET, which fetch refuses, and some
// tests must send malformed JSON verbatim.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Request headers by name. */
export type Headers = Record<string, string>;

/** What a call may carry besides method and path. */
export interface RestRequest {
  /** Sent as JSON (with content-type application/json), on any method. */
  readonly body?: unknown;
  /** Sent verbatim instead of `body` (malformed-JSON tests), still labelled application/json. */
  readonly raw?: string;
  /** Query parameters; undefined values are left out. */
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Extra headers for this call; they win over the client's own. */
  readonly headers?: Readonly<Headers>;
}

/** One answer, whatever its status. */
export interface RestReply<T = unknown> {
  readonly status: number;
  /** The parsed JSON body; the text when it is not JSON; undefined when empty. */
  readonly body: T;
  readonly text: string;
  /** Response headers, lower-case names; repeated headers joined with ", " (as fetch does). */
  readonly headers: Readonly<Record<string, string>>;
}

/** A failed REST call: the platform's `{statusCode, code, message}` (statusCode 0: never reached it). */
export class RestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'RestError';
  }
}

/** One platform, with the headers (tokens, system key) every call of this client carries. */
export interface RestClient {
  /** The base URL without a trailing slash. */
  readonly url: string;
  readonly headers: Readonly<Headers>;
  /** Sends one request and answers whatever came back; rejects only when the platform cannot be reached. */
  send<T = unknown>(method: string, path: string, options?: RestRequest): Promise<RestReply<T>>;
  /** Sends one request; resolves to the body of a 200, rejects with a RestError otherwise. */
  request<T = unknown>(method: string, path: string, options?: RestRequest): Promise<T>;
  /** A client for the same platform that also carries `headers` (e.g. a token after logging in). */
  with(headers: Readonly<Headers>): RestClient;
}

/** ClearBlade's credential headers, so callers never spell the header names. */
export const clearBladeHeaders = {
  dev: (token: string): Headers => ({ 'ClearBlade-DevToken': token }),
  user: (token: string): Headers => ({ 'ClearBlade-UserToken': token }),
  device: (token: string): Headers => ({ 'ClearBlade-DeviceToken': token }),
  system: (systemKey: string, systemSecret?: string): Headers => ({
    'ClearBlade-SystemKey': systemKey,
    ...(systemSecret === undefined ? {} : { 'ClearBlade-SystemSecret': systemSecret }),
  }),
};

/** Builds a client for the platform at `url` whose every call carries `headers`. */
export function createRestClient(url: string, headers: Readonly<Headers> = {}): RestClient {
  const base = url.replace(/\/+$/, '');
  const send = <T>(method: string, path: string, options: RestRequest = {}): Promise<RestReply<T>> =>
    exchange<T>(base, method, path, { ...options, headers: { ...headers, ...options.headers } });
  return {
    url: base,
    headers,
    send,
    async request<T>(method: string, path: string, options?: RestRequest): Promise<T> {
      const reply = await send<T>(method, path, options);
      if (reply.status !== 200) throw errorOf(reply);
      return reply.body;
    },
    with: (more) => createRestClient(base, { ...headers, ...more }),
  };
}

/** The RestError a non-200 answer stands for: the platform's code and message, else the HTTP status. */
export function errorOf(reply: RestReply<unknown>): RestError {
  const e = (typeof reply.body === 'object' && reply.body !== null ? reply.body : {}) as {
    code?: unknown;
    message?: unknown;
  };
  return new RestError(
    reply.status,
    typeof e.code === 'string' ? e.code : `HTTP_${String(reply.status)}`,
    typeof e.message === 'string' ? e.message : reply.text,
    reply.headers,
  );
}

async function exchange<T>(
  base: string,
  method: string,
  path: string,
  options: RestRequest,
): Promise<RestReply<T>> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) qs.set(k, v);
  const target = `${base}${path}${qs.size > 0 ? `?${qs.toString()}` : ''}`;
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers: Headers = {
    ...(payload === undefined
      ? {}
      : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
    ...options.headers,
  };
  let res: { status: number; text: string; headers: Record<string, string> };
  try {
    res = await roundTrip(target, method, headers, payload);
  } catch (err) {
    throw new RestError(0, 'CONNECTION_FAILED', `cannot reach ${base}: ${(err as Error).message}`);
  }
  return { status: res.status, text: res.text, headers: res.headers, body: parseBody(res.text) as T };
}

/** A body as the REST client reads it: JSON when it parses, else the text; undefined when empty. */
export function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function roundTrip(
  target: string,
  method: string,
  headers: Headers,
  payload: string | undefined,
): Promise<{ status: number; text: string; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const send = target.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(target, { method, headers });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          text: Buffer.concat(chunks).toString('utf8'),
          headers: flatHeaders(res),
        }),
      );
    });
    req.end(payload);
  });
}

function flatHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
