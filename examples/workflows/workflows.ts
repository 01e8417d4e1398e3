// The product's two workflows, set up and driven over the public surface only (REST + MQTT), exactly as a
// ClearBlade client would. `run.ts` runs them against a platform; test/e2e/workflows.test.ts asserts them.

import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
// The CLI's REST client (bin/ sits outside the platform, so examples may use it as any client would).
import { createRestClient, RestError, type RestClient } from '../../bin/cli/rest-client.js';

const source = (name: string): string =>
  readFileSync(new URL(`./services/${name}.js`, import.meta.url), 'utf8');

/** A REST error answer: `{statusCode, code, message}` (the project's one REST client defines it). */
export { RestError };

/** A tiny JSON REST client carrying ClearBlade headers, on the project's one REST client. */
export class Rest {
  readonly #client: RestClient;

  constructor(
    readonly url: string,
    readonly headers: Readonly<Record<string, string>>,
  ) {
    this.#client = createRestClient(url, headers);
  }

  /** Sends one request; resolves to the JSON body of a 200, rejects with a RestError otherwise. */
  call(method: string, path: string, body?: unknown): Promise<unknown> {
    return this.#client.request(method, path, { body });
  }
}

/** Logs a developer in and answers a client carrying the dev token. */
export async function developerClient(url: string, email: string, password: string): Promise<Rest> {
  const login = (await new Rest(url, {}).call('POST', '/admin/auth', { email, password })) as {
    dev_token: string;
  };
  return new Rest(url, { 'ClearBlade-DevToken': login.dev_token });
}

export interface Workspace {
  readonly dev: Rest;
  readonly systemKey: string;
  readonly systemSecret: string;
  /** mqtt://host:port of the plain MQTT listener. */
  readonly mqttUrl: string;
}

/** Creates a fresh system for the examples. */
export async function createWorkspace(dev: Rest, mqttUrl: string, name = 'workflows'): Promise<Workspace> {
  const system = (await dev.call('POST', '/admin/systemmanagement', { name })) as {
    appID: string;
    appSecret: string;
  };
  return { dev, systemKey: system.appID, systemSecret: system.appSecret, mqttUrl };
}

/** Connects over MQTT with a token (username = token, password = systemKey); noDelay for low latency. */
export async function connect(ws: Workspace, token: string, clientId: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(ws.mqttUrl, {
    username: token,
    password: ws.systemKey,
    clientId,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const stream = (client as unknown as { stream?: { setNoDelay?: (v: boolean) => void } }).stream;
  stream?.setNoDelay?.(true);
  return client;
}

/** Workflow 1 set-up: service, Messaging::Publish trigger on `sensors/+/temp`, a device allowed to publish. */
export async function setupWorkflow1(
  ws: Workspace,
  deviceName = 'sensor-7',
): Promise<{ deviceToken: string; trigger: unknown }> {
  const { dev, systemKey } = ws;
  await dev.call('POST', `/admin/code/v/1/${systemKey}/tempAlert`, {
    code: source('tempAlert'),
    parameters: [],
  });
  const trigger = await dev.call('POST', `/admin/triggers/handlers/${systemKey}/tempAlertTrigger`, {
    def_module: 'Messaging',
    def_name: 'Publish',
    key_value_pairs: { topic: 'sensors/+/temp' },
    service_name: 'tempAlert',
  });
  await dev.call('PUT', `/admin/user/${systemKey}/roles`, {
    id: 'Authenticated',
    changes: { topics: [{ itemInfo: { name: 'sensors/#' }, permissions: 2 }] },
  });
  const activeKey = `device-key-${deviceName}`;
  await dev.call('POST', `/admin/devices/${systemKey}/${deviceName}`, {
    active_key: activeKey,
    type: 'thermometer',
  });
  const auth = (await new Rest(dev.url, {}).call('POST', `/api/v/2/devices/${systemKey}/auth`, {
    deviceName,
    activeKey,
  })) as { deviceToken: string };
  return { deviceToken: auth.deviceToken, trigger };
}

/** Workflow 2 set-up: the service that computes, publishes and answers. */
export async function setupWorkflow2(ws: Workspace): Promise<void> {
  await ws.dev.call('POST', `/admin/code/v/1/${ws.systemKey}/computeAndPublish`, {
    code: source('computeAndPublish'),
    parameters: ['readings'],
  });
}

/** Resolves with the first `count` messages on `filter` (subscribed before it resolves `ready`). */
export function collect(
  client: MqttClient,
  filter: string,
  count: number,
  timeoutMs = 10_000,
): { ready: Promise<void>; messages: Promise<Array<{ topic: string; payload: string }>> } {
  const got: Array<{ topic: string; payload: string }> = [];
  const messages = new Promise<Array<{ topic: string; payload: string }>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out with ${got.length}/${count} on ${filter}`)),
      timeoutMs,
    );
    client.on('message', (topic, payload) => {
      got.push({ topic, payload: payload.toString('utf8') });
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
  return { ready: client.subscribeAsync(filter, { qos: 0 }).then(() => undefined), messages };
}

/** Workflow 1: the device publishes temperatures; answers the alerts a subscriber received. */
export async function runWorkflow1(
  ws: Workspace,
  deviceToken: string,
  temps: readonly number[],
  expectedAlerts: number,
): Promise<Array<{ topic: string; payload: string }>> {
  const watcher = await connect(ws, ws.dev.headers['ClearBlade-DevToken'], 'alerts-watcher');
  const device = await connect(ws, deviceToken, 'sensor-7');
  try {
    const alerts = collect(watcher, 'alerts/#', expectedAlerts);
    await alerts.ready;
    for (const t of temps) await device.publishAsync('sensors/7/temp', JSON.stringify({ temp: t }));
    return await alerts.messages;
  } finally {
    await Promise.all([device.endAsync(), watcher.endAsync()]);
  }
}

/** Workflow 2: a REST call runs the service; answers its reply and what a subscriber received. */
export async function runWorkflow2(
  ws: Workspace,
  readings: readonly number[],
): Promise<{ reply: unknown; published: { topic: string; payload: string } }> {
  const watcher = await connect(ws, ws.dev.headers['ClearBlade-DevToken'], 'results-watcher');
  try {
    const results = collect(watcher, 'results/#', 1);
    await results.ready;
    const reply = await ws.dev.call('POST', `/api/v/1/code/${ws.systemKey}/computeAndPublish`, { readings });
    const [published] = await results.messages;
    return { reply, published };
  } finally {
    await watcher.endAsync();
  }
}
