// Outbound HTTP from services: ClearBlade's Requests() (native-libraries http.md) and a standard `fetch`.
// Both make one waited bridge call, 'http.request'; the host resolves, checks and sends the request (the
// isolate never holds a socket). Each request writes one line to the run's log: method, URL without its
// query string (it often carries keys) and the status or the refusal's code.

import { CALL_OPS } from '../sandbox-protocol.js';
import type { Bridge } from './bridge.js';
import { answerData, lastCallback, type Callback } from './callbacks.js';
import { stringify, parse } from './intrinsics.js';

type Logger = (...values: unknown[]) => void;

interface HostResponse {
  status: number;
  statusText: string;
  headers: Record<string, string[]>;
  body: string;
  url: string;
}

/** A refused or failed request: `code` is the platform's stable code when it has one. */
type Outcome = { ok: true; res: HostResponse } | { ok: false; message: string; code: string };

/** Requests() and fetch for one run. */
export function createRequests(
  bridge: Bridge,
  note: { info: Logger; warn: Logger },
): { Requests: () => Record<string, unknown>; fetch: (input: unknown, init?: unknown) => Promise<unknown> } {
  const send = (request: Record<string, unknown>): Outcome => {
    const method = String(request.method ?? 'GET').toUpperCase();
    const where = String(request.uri ?? '').split('?')[0];
    const answer = bridge.call(CALL_OPS.platform, 'http.request', stringify([request]));
    if (!answer.ok) {
      const m = /^(CB_ERR_[A-Z_]+):/.exec(answer.message);
      note.warn(`HTTP ${method} ${where} refused: ${answer.message}`);
      return { ok: false, message: answer.message, code: m === null ? 'CB_ERR_OUTBOUND_FAILED' : m[1] };
    }
    const res = answerData(answer) as HostResponse;
    note.info(`HTTP ${method} ${where} -> ${res.status} (${res.body.length} chars)`);
    return { ok: true, res };
  };

  /** One ClearBlade verb: options as http.md, `cb(err, body)`; err is `{error}` (plus status/body for HTTP errors). */
  const verb =
    (method: string) =>
    (options: unknown, ...rest: unknown[]): unknown => {
      const cb: Callback | undefined = lastCallback(rest);
      const o = (options !== null && typeof options === 'object' ? options : {}) as Record<string, unknown>;
      const headers = { ...((o.headers ?? {}) as Record<string, unknown>) };
      let body: unknown = o.body;
      const hasType = Object.keys(headers).some((k) => k.toLowerCase() === 'content-type');
      if (o.form !== undefined && o.form !== null && typeof o.form === 'object') {
        body = formEncode(o.form as Record<string, unknown>);
        if (!hasType) headers['content-type'] = 'application/x-www-form-urlencoded';
      } else if (body !== undefined && body !== null && typeof body !== 'string') {
        body = stringify(body);
        if (!hasType) headers['content-type'] = 'application/json';
      }
      const out = send({
        method,
        uri: o.uri ?? o.url,
        headers,
        body: body ?? undefined,
        qs: o.qs,
        timeout: o.timeout,
        followRedirect: o.followRedirect,
        auth: o.auth,
      });
      let err: unknown = null;
      let data: unknown;
      if (!out.ok) err = { error: out.message, code: out.code };
      else {
        const r = out.res;
        data = o.full === true ? { Body: r.body, Header: r.headers, Status: r.status } : r.body;
        if (r.status >= 400)
          err = { error: `HTTP ${r.status} ${r.statusText}`.trim(), status: r.status, body: r.body };
      }
      if (cb !== undefined) return cb(err as boolean, err !== null && data === undefined ? err : data);
      if (err !== null) throw new Error(out.ok ? `HTTP ${out.res.status}` : out.message);
      return data;
    };

  const Requests = () => ({
    get: verb('GET'),
    post: verb('POST'),
    put: verb('PUT'),
    delete: verb('DELETE'),
    patch: verb('PATCH'),
  });

  const fetch = (input: unknown, init?: unknown): Promise<unknown> => {
    const url = typeof input === 'string' ? input : String((input as { url?: unknown } | null)?.url ?? input);
    const i = (init !== null && typeof init === 'object' ? init : {}) as Record<string, unknown>;
    const redirect = i.redirect === 'manual' || i.redirect === 'error' ? 0 : undefined;
    const out = send({
      method: i.method ?? 'GET',
      uri: url,
      headers: headerObject(i.headers),
      body: i.body === undefined || i.body === null ? undefined : String(i.body),
      followRedirect: redirect,
    });
    if (!out.ok) {
      const e = new TypeError(out.message) as TypeError & { code: string };
      e.code = out.code;
      return Promise.reject(e);
    }
    const r = out.res;
    if (i.redirect === 'error' && r.status >= 300 && r.status < 400) {
      return Promise.reject(new TypeError(`fetch: redirected (${r.status}) with redirect: "error"`));
    }
    return Promise.resolve(response(r));
  };

  return { Requests, fetch };
}

function formEncode(form: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const k of Object.keys(form))
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(form[k]))}`);
  return parts.join('&');
}

/** fetch's `headers`: a plain object, an array of pairs, or anything with forEach(value, name). */
function headerObject(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (h === undefined || h === null) return out;
  if (Array.isArray(h)) {
    for (const pair of h as unknown[]) {
      if (Array.isArray(pair) && pair.length === 2) out[String(pair[0])] = String(pair[1]);
    }
    return out;
  }
  const each = (h as { forEach?: unknown }).forEach;
  if (typeof each === 'function') {
    (each as (fn: (v: unknown, k: unknown) => void) => void).call(h, (v, k) => (out[String(k)] = String(v)));
    return out;
  }
  for (const k of Object.keys(h)) out[k] = String((h as Record<string, unknown>)[k]);
  return out;
}

/** A Response-like object: status, ok, headers.get/has/forEach, text(), json(). */
function response(r: HostResponse) {
  let used = false;
  const take = (): string => {
    if (used) throw new TypeError('fetch: body already read');
    used = true;
    return r.body;
  };
  const headers = {
    get: (name: string) => r.headers[String(name).toLowerCase()]?.join(', ') ?? null,
    has: (name: string) => r.headers[String(name).toLowerCase()] !== undefined,
    forEach(fn: (value: string, name: string) => void) {
      for (const k of Object.keys(r.headers)) fn(r.headers[k].join(', '), k);
    },
  };
  return {
    status: r.status,
    statusText: r.statusText,
    ok: r.status >= 200 && r.status < 300,
    redirected: false,
    url: r.url,
    headers,
    get bodyUsed() {
      return used;
    },
    text: () => Promise.resolve().then(take),
    json: () => Promise.resolve().then(() => parse(take()) as unknown),
  };
}
