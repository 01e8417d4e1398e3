// Small HTTP helpers for the identity tests: every call goes over a real socket to the test platform.
import { expect } from 'chai';
import { request, type IncomingHttpHeaders } from 'node:http';

export type Headers = Record<string, string>;

export interface Reply<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: IncomingHttpHeaders;
}

export interface CallOptions {
  readonly body?: unknown;
  /** Sent verbatim (malformed JSON tests). */
  readonly raw?: string;
  readonly headers?: Headers;
}

/** A tiny REST client for one platform URL. */
export interface Api {
  call<T = Record<string, unknown>>(method: string, path: string, options?: CallOptions): Promise<Reply<T>>;
  /** Calls and expects 200; returns the body. */
  ok<T = Record<string, unknown>>(method: string, path: string, options?: CallOptions): Promise<T>;
  /** Calls and expects an error with this status and code. */
  fails(method: string, path: string, status: number, code: string, options?: CallOptions): Promise<void>;
}

/** Builds the client. */
export function api(url: string): Api {
  const call = async <T>(method: string, path: string, options: CallOptions = {}): Promise<Reply<T>> => {
    const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    // node:http rather than fetch: the Node SDK sends `{}` bodies on GET, which fetch cannot.
    const { status, text, headers } = await new Promise<{
      status: number;
      text: string;
      headers: IncomingHttpHeaders;
    }>((resolve, reject) => {
      const req = request(url + path, {
        method,
        headers: {
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
          ...options.headers,
        },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
        res.on('error', reject);
      });
      req.end(body);
    });
    return { status, headers, body: (text === '' ? undefined : JSON.parse(text)) as T };
  };
  return {
    call,
    async ok<T>(method: string, path: string, options?: CallOptions) {
      const r = await call<T>(method, path, options);
      expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).to.equal(200);
      return r.body;
    },
    async fails(method, path, status, code, options) {
      const r = await call<{ code: string; statusCode: number; error: string; message: string }>(
        method,
        path,
        options,
      );
      expect(r.body, `${method} ${path}`).to.include({ code, statusCode: status });
      expect(r.status).to.equal(status);
      expect(r.body.message).to.be.a('string');
    },
  };
}

export interface DevSession {
  readonly token: string;
  readonly headers: Headers;
}

/** Logs a developer in. */
export async function devLogin(
  a: Api,
  email = 'admin@test.local',
  password = 'admin-pass-1',
): Promise<DevSession> {
  const { dev_token } = await a.ok<{ dev_token: string }>('POST', '/admin/auth', {
    body: { email, password },
  });
  return { token: dev_token, headers: { 'ClearBlade-DevToken': dev_token } };
}

/** Sets a registration key as `dev` (developer registration is closed without one); returns it. */
export async function registrationKey(a: Api, dev: DevSession): Promise<string> {
  const { registration_key } = await a.ok<{ registration_key: string }>(
    'POST',
    '/admin/settings/registration_key',
    { headers: dev.headers },
  );
  return registration_key;
}

/** Registers another developer with a registration key that `dev` sets, and logs it in. */
export async function newDeveloper(
  a: Api,
  dev: DevSession,
  email: string,
  password = 'dev-pass-1',
): Promise<DevSession> {
  const key = await registrationKey(a, dev);
  const { dev_token } = await a.ok<{ dev_token: string }>('POST', '/admin/reg', {
    body: { email, password, key },
  });
  return { token: dev_token, headers: { 'ClearBlade-DevToken': dev_token } };
}

export interface TestSystem {
  readonly systemKey: string;
  readonly systemSecret: string;
  /** ClearBlade-SystemKey + -SystemSecret. */
  readonly headers: Headers;
}

/** Creates a system as `dev`. */
export async function newSystem(a: Api, dev: DevSession, name = 'Test'): Promise<TestSystem> {
  const s = await a.ok<{ appID: string; appSecret: string }>('POST', '/admin/systemmanagement', {
    headers: dev.headers,
    body: { name },
  });
  return {
    systemKey: s.appID,
    systemSecret: s.appSecret,
    headers: { 'ClearBlade-SystemKey': s.appID, 'ClearBlade-SystemSecret': s.appSecret },
  };
}

/** Registers and logs in a user; returns its id and token headers. */
export async function newUser(
  a: Api,
  system: TestSystem,
  email: string,
  password = 'user-pass-1',
): Promise<{ userId: string; token: string; headers: Headers }> {
  const reg = await a.ok<{ user_id: string }>('POST', '/api/v/1/user/reg', {
    headers: system.headers,
    body: { email, password },
  });
  const auth = await a.ok<{ user_token: string }>('POST', '/api/v/1/user/auth', {
    headers: system.headers,
    body: { email, password },
  });
  return {
    userId: reg.user_id,
    token: auth.user_token,
    headers: { 'ClearBlade-UserToken': auth.user_token },
  };
}
