// A whole platform with one system, a developer client and helpers to make services, users and devices
// over REST, for the triggers and timers integration tests.
import type { MqttClient } from 'mqtt';
import {
  connect,
  createWorkspace,
  developerClient,
  Rest,
  RestError,
  type Workspace,
} from '../../../examples/workflows/workflows.js';
import { useFixture, type FixtureScope } from '../../helpers/fixture.js';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';

/** What `startTestPlatform` takes. */
type PlatformOptions = NonNullable<Parameters<typeof startTestPlatform>[0]>;

/** Publishes its req.params as JSON on `echo/<Module>/<Action>` (or `echo/timer` for timers). */
export const ECHO_SERVICE = `function echo(req, resp) {
  var t = req.params.trigger ? req.params.trigger.replace('::', '/') : 'timer';
  ClearBlade.Messaging().publish('echo/' + t, JSON.stringify(req.params));
  resp.success('ok');
}`;

export interface Rig {
  readonly tp: TestPlatform;
  readonly ws: Workspace;
  /** The system key of `ws`. */
  readonly sk: string;
  readonly dev: Rest;
  readonly devToken: string;
  readonly clients: MqttClient[];
  createService(name: string, code: string): Promise<void>;
  /** Creates the Messaging::Publish trigger `trigger` that runs `service` on topics matching `topic`. */
  onPublish(trigger: string, topic: string, service: string): Promise<void>;
  /** Creates a user; answers its id and a user token. */
  createUser(email: string): Promise<{ id: string; token: string }>;
  /** Creates a device; answers its token. */
  createDevice(name: string): Promise<string>;
  /** Grants the Authenticated role topic and list permissions. */
  grant(changes: Record<string, unknown>): Promise<void>;
  mqtt(token: string, clientId: string): Promise<MqttClient>;
  close(): Promise<void>;
}

/** Starts the platform (optionally on a given clock and data dir) and creates one system. */
export async function startRig(
  options: Pick<PlatformOptions, 'clock' | 'dataDir' | 'overrides'> & { systemKey?: string } = {},
): Promise<Rig> {
  const { systemKey: _systemKey, ...platformOptions } = options;
  const tp = await startTestPlatform(platformOptions);
  const dev = await developerClient(tp.url, 'admin@test.local', 'admin-pass-1');
  const mqttUrl = `mqtt://127.0.0.1:${String(tp.ports.mqtt)}`;
  let ws: Workspace;
  if (options.systemKey === undefined) ws = await createWorkspace(dev, mqttUrl, 'triggers');
  else {
    const sys = (await dev.call('GET', `/admin/systemmanagement?id=${options.systemKey}`)) as {
      appSecret: string;
    };
    ws = { dev, systemKey: options.systemKey, systemSecret: sys.appSecret, mqttUrl };
  }
  const sk = ws.systemKey;
  const clients: MqttClient[] = [];
  const systemHeaders = { 'ClearBlade-SystemKey': sk, 'ClearBlade-SystemSecret': ws.systemSecret };
  return {
    tp,
    ws,
    sk,
    dev,
    devToken: dev.headers['ClearBlade-DevToken'],
    clients,
    async createService(name, code) {
      await dev.call('POST', `/admin/code/v/1/${sk}/${name}`, { code, parameters: [] });
    },
    async onPublish(trigger, topic, service) {
      await dev.call('POST', `/admin/triggers/handlers/${sk}/${trigger}`, {
        def_module: 'Messaging',
        def_name: 'Publish',
        key_value_pairs: { topic },
        service_name: service,
      });
    },
    async createUser(email) {
      const user = (await dev.call('POST', `/admin/user/${sk}`, { email, password: 'pw-123456' })) as {
        user_id: string;
      };
      const login = (await new Rest(tp.url, systemHeaders).call('POST', '/api/v/1/user/auth', {
        email,
        password: 'pw-123456',
      })) as { user_token: string };
      return { id: user.user_id, token: login.user_token };
    },
    async createDevice(name) {
      await dev.call('POST', `/admin/devices/${sk}/${name}`, { active_key: `device-key-${name}` });
      const auth = (await new Rest(tp.url, {}).call('POST', `/api/v/2/devices/${sk}/auth`, {
        deviceName: name,
        activeKey: `device-key-${name}`,
      })) as { deviceToken: string };
      return auth.deviceToken;
    },
    async grant(changes) {
      await dev.call('PUT', `/admin/user/${sk}/roles`, { id: 'Authenticated', changes });
    },
    async mqtt(token, clientId) {
      const client = await connect(ws, token, clientId);
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
      await tp.close({ removeData: options.dataDir === undefined });
    },
  };
}

/** Registers the hooks that start a rig (per suite or per test) and close it; answers the live one. */
export function useRig(scope: FixtureScope = 'suite', options: Parameters<typeof startRig>[0] = {}): Rig {
  return useFixture(
    () => startRig(options),
    (rig) => rig.close(),
    scope,
  );
}

/** The payload as a JSON object, or `{text}` when it is not JSON. */
function parseJson(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { text };
  }
}

/** Resolves when `count` accepted messages (or, `distinct`, the first of `count` topics) arrived. */
export function messages(
  client: MqttClient,
  count: number,
  accept: (topic: string) => boolean = () => true,
  timeoutMs = 10_000,
  distinct = false,
): Promise<Array<{ topic: string; json: Record<string, unknown> }>> {
  const got: Array<{ topic: string; json: Record<string, unknown> }> = [];
  const topics = new Set<string>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', on);
      reject(new Error(`timed out with ${got.length}/${count}: ${got.map((g) => g.topic).join(', ')}`));
    }, timeoutMs);
    const on = (topic: string, payload: Buffer) => {
      if (!accept(topic) || (distinct && topics.has(topic))) return;
      topics.add(topic);
      got.push({ topic, json: parseJson(payload.toString('utf8')) });
      if (got.length === count) {
        clearTimeout(timer);
        client.off('message', on);
        resolve(got);
      }
    };
    client.on('message', on);
  });
}

/** The REST error a call rejects with; fails the test when it resolves or throws anything else. */
export async function refusal(p: Promise<unknown>): Promise<RestError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RestError) return err;
    throw err;
  }
  throw new Error('expected a REST error');
}
