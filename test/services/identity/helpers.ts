// Small HTTP helpers for the identity tests: every call goes over a real socket to the test platform,
// through the project's one REST client (bin/cli/rest-client.ts).
import { expect } from 'chai';
import { createRestClient, type Headers } from '../../../bin/cli/rest-client.js';
import { useFixture, type FixtureScope } from '../../helpers/fixture.js';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';

export type { Headers };

export interface Reply<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Readonly<Record<string, string>>;
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

/** Builds the client: the shared one, with the assertions identity tests repeat. */
export function api(url: string): Api {
  const rest = createRestClient(url);
  const call = async <T>(method: string, path: string, options: CallOptions = {}): Promise<Reply<T>> => {
    const { status, body, headers } = await rest.send<T>(method, path, options);
    return { status, body, headers };
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

/** A running platform with the seeded developer logged in: what developer-level route tests start from. */
export interface DevWorld {
  readonly tp: TestPlatform;
  readonly a: Api;
  readonly dev: DevSession;
}

/** A dev world with one fresh system: what system-level route tests start from. */
export interface SystemWorld extends DevWorld {
  readonly sys: TestSystem;
}

type PlatformOptions = Parameters<typeof startTestPlatform>[0];

/** Starts the platform and logs the seeded developer in. */
export async function startDevWorld(options: PlatformOptions = {}): Promise<DevWorld> {
  const tp = await startTestPlatform(options);
  const a = api(tp.url);
  return { tp, a, dev: await devLogin(a) };
}

/** Starts the platform, logs the seeded developer in and creates a system, so route tests share one fixture. */
export async function startSystemWorld(options: PlatformOptions = {}): Promise<SystemWorld> {
  const w = await startDevWorld(options);
  return { ...w, sys: await newSystem(w.a, w.dev) };
}

/** Closes a world's platform and removes its data. */
function closeWorld(w: DevWorld): Promise<void> {
  return w.tp.close({ removeData: true });
}

/** Registers the hooks that start a dev world (per suite or per test) and close it; answers the live one. */
export function useDevWorld(scope: FixtureScope = 'suite', options: PlatformOptions = {}): DevWorld {
  return useFixture(() => startDevWorld(options), closeWorld, scope);
}

/** Registers the hooks that start a system world (per suite or per test) and close it; answers the live one. */
export function useSystemWorld(scope: FixtureScope = 'suite', options: PlatformOptions = {}): SystemWorld {
  return useFixture(() => startSystemWorld(options), closeWorld, scope);
}

/** Creates a role as the world's developer (body as the ClearBlade roles API takes it); returns its id. */
export async function createRole(w: SystemWorld, body: Record<string, unknown>): Promise<string> {
  const role = await w.a.ok<{ role_id: string }>('POST', `/admin/user/${w.sys.systemKey}/roles`, {
    headers: w.dev.headers,
    body,
  });
  return role.role_id;
}

/** Changes a user as the world's developer (`changes` as `PUT /admin/user/{sk}` takes them). */
export async function changeUser(
  w: SystemWorld,
  userId: string,
  changes: Record<string, unknown>,
): Promise<void> {
  await w.a.ok('PUT', `/admin/user/${w.sys.systemKey}`, {
    headers: w.dev.headers,
    body: { user: userId, changes },
  });
}

/** Changes a role as the world's developer (`changes` as `PUT /admin/user/{sk}/roles` takes them). */
export async function changeRole(
  w: SystemWorld,
  roleId: string,
  changes: Record<string, unknown>,
): Promise<void> {
  await w.a.ok('PUT', `/admin/user/${w.sys.systemKey}/roles`, {
    headers: w.dev.headers,
    body: { id: roleId, changes },
  });
}
