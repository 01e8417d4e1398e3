// What a service may put on its REST response (resp.status / resp.set). The answer goes out on the API
// origin, next to the platform's tokens, so a service must not be able to set cookies, redirect, widen
// CORS, change framing (Transfer-Encoding, Content-Length, Connection) or switch protocols. An allow-list,
// not a deny-list: a header we did not think of stays off. Anything refused ends the call with a stable
// code instead of reaching Node's HTTP writer (which threw 500s, wrote malformed responses, or hung on 101).
import { IsobarError } from '../../runtime-api/errors/index.js';

/** Headers a service may set besides its own `x-*` ones; each only describes or caches the JSON answer. */
const ALLOWED = new Set([
  'cache-control',
  'content-language',
  'content-type',
  'etag',
  'expires',
  'last-modified',
  'pragma',
]);

/**
 * `x-*` headers that proxies, servers or browsers act on: forwarding and client-address claims, internal
 * redirects of nginx/Apache/lighttpd, method override, the browser protections the platform sets itself.
 */
const DENIED_X = [
  /^x-forwarded-/,
  /^x-real-ip$/,
  /^x-accel-/,
  /^x-sendfile/,
  /^x-lighttpd-send-file$/,
  /^x-http-method/,
  /^x-frame-options$/,
  /^x-content-type-options$/,
  /^x-xss-protection$/,
  /^x-dns-prefetch-control$/,
  /^x-download-options$/,
  /^x-permitted-cross-domain-policies$/,
  /^x-powered-by$/,
  /^x-isobar-/,
  /^x-clearblade-/,
];

/** RFC 9110 token: what Node accepts as a header name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Visible ASCII, space, tab and obs-text: no CR, LF or NUL (response splitting). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** The body is always the JSON envelope, so only JSON media types describe it (no text/html on our origin). */
const JSON_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json(?:\s*;\s*charset="?utf-8"?)?$/i;

/** Bounds that keep a response readable by common clients (undici refuses more than 16 KB of headers). */
export const RESPONSE_LIMITS = { maxHeaders: 32, maxValueChars: 4096, maxTotalChars: 8192 } as const;

/** A service's status and headers once checked: safe to hand to the HTTP reply. */
export interface SafeResponse {
  readonly status?: number;
  readonly headers: Readonly<Record<string, string>>;
}

function refuse(name: string, reason: string): never {
  throw new IsobarError('CB_ERR_CODE_RESPONSE_HEADER', { name: JSON.stringify(name.slice(0, 64)), reason });
}

/** Why `name: value` may not go out, or undefined when it may. */
function headerProblem(lower: string, value: string): string | undefined {
  if (value.length > RESPONSE_LIMITS.maxValueChars)
    return `value longer than ${RESPONSE_LIMITS.maxValueChars} characters`;
  if (!FIELD_VALUE.test(value)) return 'value holds a control character (CR, LF, NUL) or non-Latin-1 text';
  if (ALLOWED.has(lower)) {
    if (lower === 'content-type' && !JSON_TYPE.test(value.trim()))
      return 'only a JSON content type (application/json, application/*+json) describes the answer';
    return undefined;
  }
  if (!lower.startsWith('x-'))
    return 'only content-type, cache-control, etag, expires, last-modified, pragma, content-language and x-* headers may be set';
  if (DENIED_X.some((re) => re.test(lower))) return 'proxies or browsers act on this header';
  return undefined;
}

/** Checks what a run asked for with resp.status / resp.set; throws CB_ERR_CODE_RESPONSE_STATUS / _HEADER. */
export function checkResponse(
  status: number | undefined,
  headers: Readonly<Record<string, string>> | undefined,
): SafeResponse {
  // 1xx switch or hold the connection (101 hung the request), below 100 or above 599 is not HTTP.
  if (status !== undefined && !(Number.isInteger(status) && status >= 200 && status <= 599))
    throw new IsobarError('CB_ERR_CODE_RESPONSE_STATUS', { status });
  const out: Record<string, string> = {};
  if (headers === undefined) return status === undefined ? { headers: out } : { status, headers: out };
  const names = Object.keys(headers);
  if (names.length > RESPONSE_LIMITS.maxHeaders)
    refuse(names[RESPONSE_LIMITS.maxHeaders], `more than ${RESPONSE_LIMITS.maxHeaders} headers`);
  let total = 0;
  for (const name of names) {
    const value = headers[name];
    if (!TOKEN.test(name)) refuse(name, 'not a valid header name');
    const lower = name.toLowerCase();
    const problem = headerProblem(lower, value);
    if (problem !== undefined) refuse(name, problem);
    total += name.length + value.length + 4;
    if (total > RESPONSE_LIMITS.maxTotalChars)
      refuse(name, `headers longer than ${RESPONSE_LIMITS.maxTotalChars} characters in all`);
    out[lower] = value;
  }
  return status === undefined ? { headers: out } : { status, headers: out };
}
