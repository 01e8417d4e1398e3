// Sends one outbound HTTP request for a service, on the host (the isolate never holds a socket). Every
// hop — the first URL and each redirect target — is resolved here, every resolved address is checked
// (addresses.ts, allow-list), and the connection is pinned to the checked address so DNS cannot answer
// differently between the check and the connect (rebinding). One deadline covers all hops; the body is
// counted as it arrives and cut off past the limit.
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { IsobarError } from '../../runtime-api/errors/index.js';
import { isInternalAddress } from './addresses.js';

/** What a service asks for (after the prelude turned Requests()/fetch arguments into this). */
export interface OutboundRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Seconds; only shortens the configured limit. */
  readonly timeoutS?: number;
  /** Redirects to follow; capped by the configured limit. */
  readonly maxRedirects?: number;
}

export interface OutboundResponse {
  readonly status: number;
  readonly statusText: string;
  /** Lower-case names; repeated headers keep every value. */
  readonly headers: Readonly<Record<string, string[]>>;
  readonly body: string;
  /** The URL that answered (after redirects). */
  readonly url: string;
  readonly redirects: number;
}

export interface FetchLimits {
  readonly timeoutS: number;
  readonly maxResponseBytes: number;
  readonly maxRedirects: number;
}

/** May this host name, resolved to this address, be reached? (false → CB_ERR_OUTBOUND_DISALLOWED_HOST) */
export type AddressPolicy = (host: string, address: string) => boolean;

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD']);
/** Headers the host sets itself: a service may not frame the request differently from its body. */
const DROPPED = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);
/** Credentials that must not follow a redirect to another origin. */
const CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization'];

interface Target {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves the host and checks every address it resolves to; answers the one to connect to. */
async function resolve(url: URL, policy: AddressPolicy): Promise<Target> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host) !== 0) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await dnsLookup(host, { all: true, verbatim: true });
    } catch (err) {
      throw new IsobarError(
        'CB_ERR_OUTBOUND_FAILED',
        { host, reason: 'the host name does not resolve' },
        { cause: err },
      );
    }
  }
  if (addresses.length === 0) {
    throw new IsobarError('CB_ERR_OUTBOUND_FAILED', { host, reason: 'the host name does not resolve' });
  }
  // Every address is checked, not only the first: a name with one public and one internal record is refused.
  for (const a of addresses) {
    if (isInternalAddress(a.address) && !policy(host, a.address)) {
      throw new IsobarError('CB_ERR_OUTBOUND_DISALLOWED_HOST', {
        host,
        reason: `${a.address} is an internal address and the system allow-list does not admit it`,
      });
    }
  }
  const first = addresses[0];
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** A lookup that answers only the checked address: the socket connects where the check looked. */
function pinned(target: Target): LookupFunction {
  return (_hostname, options, callback) => {
    if (typeof options === 'object' && options.all === true) {
      (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
        { address: target.address, family: target.family },
      ]);
    } else callback(null, target.address, target.family);
  };
}

function parseUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = base === undefined ? new URL(text) : new URL(text, base);
  } catch {
    throw new IsobarError('CB_ERR_OUTBOUND_BAD_REQUEST', {
      detail: `not an absolute URL: ${text.slice(0, 200)}`,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new IsobarError('CB_ERR_OUTBOUND_BAD_REQUEST', {
      detail: `only http and https URLs, not ${url.protocol}`,
    });
  }
  return url;
}

interface Hop {
  readonly res: IncomingMessage;
}

/** Sends one hop; resolves once the response head arrived. */
function sendHop(
  url: URL,
  target: Target,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
): Promise<Hop> {
  const options: RequestOptions = {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    lookup: pinned(target),
    agent: false,
    signal,
  };
  return new Promise<Hop>((resolveHop, reject) => {
    let req;
    try {
      req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res) =>
        resolveHop({ res }),
      );
    } catch (err) {
      reject(
        new IsobarError('CB_ERR_OUTBOUND_BAD_REQUEST', {
          detail: err instanceof Error ? err.message : String(err),
        }),
      );
      return;
    }
    req.setNoDelay(true);
    req.on('error', reject);
    req.end(body);
  });
}

/** Reads a body up to `limit` bytes; past it the response is destroyed and the request fails with a code. */
function readBody(res: IncomingMessage, limit: number, host: string): Promise<string> {
  return new Promise<string>((resolveBody, reject) => {
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      res.destroy();
      reject(new IsobarError('CB_ERR_OUTBOUND_RESPONSE_TOO_LARGE', { host, limit }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        res.destroy();
        reject(new IsobarError('CB_ERR_OUTBOUND_RESPONSE_TOO_LARGE', { host, limit }));
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('response aborted')));
  });
}

function headersOf(res: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) (out[raw[i].toLowerCase()] ??= []).push(raw[i + 1]);
  return out;
}

/** Sends a checked request, following at most the allowed redirects, within one deadline. */
export async function sendOutbound(
  request: OutboundRequest,
  policy: AddressPolicy,
  limits: FetchLimits,
): Promise<OutboundResponse> {
  let method = request.method.toUpperCase();
  if (!METHODS.has(method))
    throw new IsobarError('CB_ERR_OUTBOUND_BAD_REQUEST', { detail: `method ${request.method}` });
  let url = parseUrl(request.url);
  const timeoutS =
    request.timeoutS !== undefined && request.timeoutS > 0
      ? Math.min(request.timeoutS, limits.timeoutS)
      : limits.timeoutS;
  const maxRedirects = Math.max(
    0,
    Math.min(request.maxRedirects ?? limits.maxRedirects, limits.maxRedirects),
  );
  let headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) {
    if (!DROPPED.has(k.toLowerCase())) headers[k.toLowerCase()] = v;
  }
  let body = request.body;
  if (body !== undefined && Buffer.byteLength(body) > limits.maxResponseBytes) {
    throw new IsobarError('CB_ERR_OUTBOUND_BAD_REQUEST', {
      detail: `body over ${limits.maxResponseBytes} bytes`,
    });
  }
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutS * 1000);
  timer.unref();
  const host = () => url.hostname;
  try {
    for (let redirects = 0; ; redirects++) {
      const target = await resolve(url, policy);
      const { res } = await sendHop(url, target, method, headers, body, controller.signal);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && status !== 304 && location !== undefined && maxRedirects > 0) {
        res.resume();
        if (redirects >= maxRedirects) {
          throw new IsobarError('CB_ERR_OUTBOUND_TOO_MANY_REDIRECTS', { host: host(), limit: maxRedirects });
        }
        const next = parseUrl(location, url);
        if (next.origin !== url.origin) {
          headers = { ...headers };
          for (const h of CREDENTIALS) delete headers[h];
        }
        // As browsers do: 303, and 301/302 after a POST, continue as GET without the body.
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = method === 'HEAD' ? 'HEAD' : 'GET';
          body = undefined;
          delete headers['content-type'];
        }
        url = next;
        continue;
      }
      const text = method === 'HEAD' ? '' : await readBody(res, limits.maxResponseBytes, host());
      return {
        status,
        statusText: res.statusMessage ?? '',
        headers: headersOf(res),
        body: text,
        url: url.href,
        redirects,
      };
    }
  } catch (err) {
    if (timedOut)
      throw new IsobarError('CB_ERR_OUTBOUND_TIMEOUT', { host: host(), seconds: timeoutS }, { cause: err });
    if (err instanceof IsobarError) throw err;
    const reason = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
    throw new IsobarError('CB_ERR_OUTBOUND_FAILED', { host: host(), reason }, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
