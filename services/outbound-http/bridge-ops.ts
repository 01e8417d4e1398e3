// The `http.request` operation behind Requests() and fetch (reference §10.1; native-libraries http.md).
// The prelude sends one plain object; the host validates it, checks the target against the address rules
// and the system's allow-list, sends it within the limits, and answers {status, statusText, headers, body,
// url}. A refusal reaches the service as "<CODE>: message" so it can branch on the stable code.
import type { HostContext } from '../../engine/types.js';
import { IsobarError, isIsobarError } from '../../runtime-api/errors/index.js';
import type { Log } from '../kernel/log.js';
import type { OpHandler } from '../kernel/component.js';
import type { Allowlists } from './allowlist.js';
import { sendOutbound, type FetchLimits, type OutboundRequest } from './fetcher.js';

function bad(detail: string): IsobarError {
  return new IsobarError('CB_ERR_OUTBOUND_BAD_REQUEST', { detail });
}

/** Reads the prelude's request object into an OutboundRequest (every field checked). */
function toOutbound(value: unknown): OutboundRequest {
  if (value === null || typeof value !== 'object') throw bad('the request must be an object');
  const o = value as Record<string, unknown>;
  const url = o.uri ?? o.url;
  if (typeof url !== 'string' || url === '') throw bad('uri is required');
  const method = o.method === undefined ? 'GET' : o.method;
  if (typeof method !== 'string') throw bad('method must be a string');
  const headers: Record<string, string> = {};
  if (o.headers !== undefined && o.headers !== null) {
    if (typeof o.headers !== 'object' || Array.isArray(o.headers)) throw bad('headers must be an object');
    for (const [k, v] of Object.entries(o.headers)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        throw bad(`header ${k} must be a string`);
      }
      headers[k] = String(v);
    }
  }
  const auth = o.auth as { user?: unknown; pass?: unknown } | undefined;
  if (auth !== undefined && auth !== null && typeof auth === 'object' && typeof auth.user === 'string') {
    const pass = typeof auth.pass === 'string' ? auth.pass : '';
    headers.authorization = `Basic ${Buffer.from(`${auth.user}:${pass}`).toString('base64')}`;
  }
  let full = url;
  if (o.qs !== undefined && o.qs !== null) {
    if (typeof o.qs !== 'object') throw bad('qs must be an object');
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(o.qs)) {
      for (const item of Array.isArray(v) ? (v as unknown[]) : [v]) params.append(k, String(item));
    }
    const q = params.toString();
    if (q !== '') full += (full.includes('?') ? '&' : '?') + q;
  }
  if (o.body !== undefined && o.body !== null && typeof o.body !== 'string')
    throw bad('body must be a string');
  const timeout = o.timeout;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0))) {
    throw bad('timeout must be a positive number of seconds');
  }
  const redirects = o.followRedirect;
  const maxRedirects =
    redirects === false
      ? 0
      : typeof redirects === 'number' && redirects >= 0
        ? Math.floor(redirects)
        : undefined;
  return {
    method,
    url: full,
    headers,
    ...(typeof o.body === 'string' ? { body: o.body } : {}),
    ...(typeof timeout === 'number' ? { timeoutS: timeout } : {}),
    ...(maxRedirects !== undefined ? { maxRedirects } : {}),
  };
}

/** Builds the `http.request` handler. */
export function createHttpOps(
  allowlists: Allowlists,
  limits: FetchLimits,
  log: Log,
): { 'http.request': OpHandler } {
  return {
    'http.request': async (ctx: HostContext, [request]) => {
      const systemKey = ctx.service.systemKey;
      try {
        const outbound = toOutbound(request);
        const res = await sendOutbound(
          outbound,
          (host, address) => allowlists.admits(systemKey, host, address),
          limits,
        );
        log.debug('outbound request', {
          systemKey,
          service: ctx.service.name,
          instanceId: ctx.instanceId,
          method: outbound.method,
          url: res.url.split('?')[0],
          status: res.status,
          bytes: res.body.length,
        });
        return res;
      } catch (err) {
        if (!isIsobarError(err)) throw err;
        log.info('outbound request refused', {
          systemKey,
          service: ctx.service.name,
          instanceId: ctx.instanceId,
          code: err.code,
        });
        throw new Error(`${err.code}: ${err.publicMessage}`, { cause: err });
      }
    },
  };
}
