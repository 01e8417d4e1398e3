// A running platform with one system, a user and tokens: what every code REST test starts from.
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';
import type { ManualClock } from '../../../services/kernel/clock.js';
import mqtt, { type MqttClient } from 'mqtt';
import { createRestClient } from '../../../bin/cli/rest-client.js';
import { useFixture, type FixtureScope } from '../../helpers/fixture.js';

export interface CodeWorld {
  readonly tp: TestPlatform;
  readonly systemKey: string;
  readonly systemSecret: string;
  readonly devToken: string;
  readonly userId: string;
  readonly userToken: string;
  /** One REST call; answers the status and the parsed JSON body. */
  http(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string; header?: string; headers?: Record<string, string> },
  ): Promise<{
    status: number;
    body: Record<string, unknown> & { code?: string };
    headers: Record<string, string>;
  }>;
  /** One REST call with the developer's token (what most route tests send). */
  asDev(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{
    status: number;
    body: Record<string, unknown> & { code?: string };
    headers: Record<string, string>;
  }>;
  /** Saves a service (its code and settings) as the developer: the set-up step of most execute tests. */
  saveService(name: string, code: string, settings?: Record<string, unknown>): Promise<unknown>;
  /** One REST call as the developer that must answer 200 (set-up steps). */
  devOk(method: string, path: string, body?: unknown): Promise<void>;
  /** Creates (or replaces the permissions of) a role and gives it to the user. */
  grant(changes: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/** What `startTestPlatform` takes. */
type PlatformOptions = NonNullable<Parameters<typeof startTestPlatform>[0]>;

const ADMIN = { email: 'admin@test.local', password: 'admin-pass-1' };

/** Starts a platform and seeds a system with one user (holding only Authenticated). */
export async function codeWorld(
  options: { clock?: ManualClock } & Pick<PlatformOptions, 'dataDir' | 'overrides'> = {},
): Promise<CodeWorld> {
  const tp = await startTestPlatform(options);
  try {
    const identity = tp.platform.identity;
    const dev = await identity.developerByEmail(ADMIN.email);
    if (dev === undefined) throw new Error('first start created no developer');
    const devLogin = await identity.loginDeveloper(ADMIN.email, ADMIN.password);
    const system =
      identity.systemsOf(dev.id)[0] ?? (await identity.createSystem(dev.id, { name: 'code tests' }));
    const systemKey = system.systemKey;
    const existing = (await identity.listUsers(systemKey)).data.find((u) => u.email === 'user@test.local');
    const user = existing ?? (await identity.registerUser(systemKey, 'user@test.local', 'user-pass-1'));
    const login = await identity.loginUser(systemKey, 'user@test.local', 'user-pass-1');
    // A thin wrapper over the project's one REST client: many code tests call it with a token and a header.
    const rest = createRestClient(tp.url);
    const http: CodeWorld['http'] = async (method, path, o = {}) => {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token !== undefined) headers[o.header ?? 'ClearBlade-DevToken'] = o.token;
      const reply = await rest.send<Record<string, unknown>>(method, path, { body: o.body, headers });
      return { status: reply.status, body: reply.body ?? {}, headers: { ...reply.headers } };
    };
    return {
      tp,
      systemKey,
      systemSecret: system.systemSecret,
      devToken: devLogin.token,
      userId: user.user_id,
      userToken: login.token,
      http,
      asDev: (method, path, body) => http(method, path, { body, token: devLogin.token }),
      saveService: (name, code, settings = {}) =>
        http('POST', `/admin/code/v/1/${systemKey}/${name}`, {
          body: { code, ...settings },
          token: devLogin.token,
        }),
      async devOk(method, path, body) {
        const r = await http(method, path, { body, token: devLogin.token });
        if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      },
      async grant(changes) {
        const name = 'CodeTestRole';
        const role = identity.roles(systemKey).find((r) => r.name === name);
        if (role === undefined) await identity.createRole(systemKey, { name, changes });
        else await identity.updateRole(systemKey, name, { changes });
        await identity.changeRoles(systemKey, 'user', user.user_id, { add: [name] });
      },
      close: () => tp.close({ removeData: options.dataDir === undefined }),
    };
  } catch (err) {
    await tp.close({ removeData: true });
    throw err;
  }
}

/** Registers the hooks that start a code world (per suite or per test) and close it; answers the live world. */
export function useCodeWorld(
  scope: FixtureScope = 'suite',
  options: Parameters<typeof codeWorld>[0] = {},
): CodeWorld {
  return useFixture(
    () => codeWorld(options),
    (w) => w.close(),
    scope,
  );
}

/** An MQTT client of the world's developer in its system, once connected (the caller ends it). */
export async function connectAsDev(w: CodeWorld): Promise<MqttClient> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${String(w.tp.ports.mqtt)}`, {
    username: w.devToken,
    password: w.systemKey,
    reconnectPeriod: 0,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}
