// Metrics through the real platform: /metrics scraped and parsed (prom-client's text format), who may
// scrape what, the separate listener, $SYS topics received by MQTT clients, and the console's JSON.
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { createManualClock, type ManualClock } from '../../../services/kernel/clock.js';
import { subackCodes } from '../../broker/helpers.js';
import { codeWorld, type CodeWorld } from '../code/world.js';
import { api, devLogin, newDeveloper, newSystem } from '../identity/helpers.js';

const TOKEN = 'scrape-secret-0123456789';

/** One sample line of the text format: name, labels, value. */
interface PromSample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Parses the Prometheus text format: `# TYPE` lines and samples (labels without escaped quotes suffice here). */
function parseProm(text: string): { types: Map<string, string>; samples: PromSample[] } {
  const types = new Map<string, string>();
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      types.set(name, type);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[pair[1]] = pair[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { types, samples };
}

/** The value of the one sample named `name` whose labels include `labels` (0 when absent). */
function valueOf(
  parsed: ReturnType<typeof parseProm>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const hit = parsed.samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return hit?.value ?? 0;
}

/** GET over node:http (the /metrics body is text, not JSON). */
async function getText(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; type: string }> {
  const req = request(url, { headers });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let body = '';
  res.setEncoding('utf8');
  for await (const chunk of res) body += String(chunk);
  return { status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) };
}

/** The next message on `topic` (bounded). */
function nextMessage(client: MqttClient, topic: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', on);
      reject(new Error(`no message on ${topic}`));
    }, timeoutMs);
    const on = (t: string, payload: Buffer) => {
      if (t !== topic) return;
      clearTimeout(timer);
      client.off('message', on);
      resolve(payload.toString());
    };
    client.on('message', on);
  });
}

describe('services/metrics', function () {
  this.timeout(20000);
  let w: CodeWorld;
  let clock: ManualClock;
  const clients: MqttClient[] = [];

  const connect = async (token: string, systemKey: string): Promise<MqttClient> => {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${String(w.tp.ports.mqtt)}`, {
      username: token,
      password: systemKey,
      clientId: `metrics-${String(clients.length)}`,
      reconnectPeriod: 0,
    });
    clients.push(c);
    return c;
  };
  const scrape = async (headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => {
    const r = await getText(`${w.tp.url}/metrics`, headers);
    expect(r.status, r.body).to.equal(200);
    return parseProm(r.body);
  };

  beforeEach(async () => {
    clock = createManualClock(Date.now());
    w = await codeWorld({ clock, overrides: { 'metrics.token': TOKEN, 'metrics.port': 0 } });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await w.close();
  });

  it('counts messages by QoS, bytes, connections and subscriptions, and service runs in /metrics', async () => {
    const sk = w.systemKey;
    const before = await scrape();
    expect(before.types.get('isobar_mqtt_messages_received_total')).to.equal('counter');
    expect(before.types.get('isobar_service_run_duration_seconds')).to.equal('histogram');
    expect(before.types.get('isobar_mqtt_connections')).to.equal('gauge');
    expect(before.types.get('isobar_nodejs_eventloop_lag_seconds')).to.equal('gauge');

    const sub = await connect(w.devToken, sk);
    await sub.subscribeAsync('sensors/#', { qos: 1 });
    const pub = await connect(w.devToken, sk);
    const got = nextMessage(sub, 'sensors/7/temp');
    await pub.publishAsync('sensors/7/temp', '21.5', { qos: 1 });
    await got;

    const created = await w.http('POST', `/admin/code/v/1/${sk}/Hello`, {
      token: w.devToken,
      body: { code: 'function Hello(req, resp) { resp.success("hi"); }' },
    });
    expect(created.status).to.equal(200);
    const ok = await w.http('POST', `/api/v/1/code/${sk}/Hello`, { token: w.devToken, body: {} });
    expect(ok.body).to.include({ success: true });
    await w.http('POST', `/admin/code/v/1/${sk}/Boom`, {
      token: w.devToken,
      body: { code: 'function Boom(req, resp) { resp.error("no"); }' },
    });
    await w.http('POST', `/api/v/1/code/${sk}/Boom`, { token: w.devToken, body: {} });

    const after = await scrape();
    const sys = { system: sk };
    expect(valueOf(after, 'isobar_mqtt_messages_received_total', { ...sys, qos: '1' })).to.equal(
      valueOf(before, 'isobar_mqtt_messages_received_total', { ...sys, qos: '1' }) + 1,
    );
    expect(valueOf(after, 'isobar_mqtt_messages_sent_total', { ...sys, qos: '1' })).to.equal(1);
    expect(valueOf(after, 'isobar_mqtt_bytes_received_total', sys)).to.be.at.least(4);
    expect(valueOf(after, 'isobar_mqtt_connections', sys)).to.equal(2);
    expect(valueOf(after, 'isobar_mqtt_subscriptions', sys)).to.equal(1);
    const hello = { ...sys, service: 'Hello' };
    expect(valueOf(after, 'isobar_service_runs_total', hello)).to.equal(1);
    expect(valueOf(after, 'isobar_service_failures_total', hello)).to.equal(0);
    expect(valueOf(after, 'isobar_service_failures_total', { ...sys, service: 'Boom' })).to.equal(1);
    expect(valueOf(after, 'isobar_service_run_duration_seconds_count', hello)).to.equal(1);
    expect(valueOf(after, 'isobar_service_run_duration_seconds_bucket', { ...hello, le: '+Inf' })).to.equal(
      1,
    );
    expect(valueOf(after, 'isobar_engine_isolates')).to.be.at.least(1);
  });

  it('refuses /metrics without a token or with a wrong one, and scopes a developer token to its own systems', async () => {
    const none = await getText(`${w.tp.url}/metrics`);
    expect(none.status).to.equal(401);
    expect(JSON.parse(none.body)).to.include({ code: 'CB_ERR_AUTH_MISSING_TOKEN' });
    const wrong = await getText(`${w.tp.url}/metrics`, { authorization: 'Bearer not-the-token-0123456' });
    expect(wrong.status).to.equal(401);
    const user = await getText(`${w.tp.url}/metrics`, { 'ClearBlade-DevToken': w.userToken });
    expect(user.status).to.be.oneOf([401, 403]);

    await connect(w.devToken, w.systemKey); // system A has traffic
    const a = api(w.tp.url);
    const other = await newDeveloper(a, await devLogin(a), 'other@test.local');
    const b = await newSystem(a, other, 'B');
    await connect(other.token, b.systemKey);
    const own = await scrape({ 'ClearBlade-DevToken': other.token });
    const systems = new Set(own.samples.map((s) => s.labels.system).filter((s) => s !== undefined));
    expect([...systems]).to.deep.equal([b.systemKey]);
    expect(valueOf(own, 'isobar_mqtt_connections', { system: b.systemKey })).to.equal(1);
    // process-wide figures are the operator's
    expect(own.types.has('isobar_nodejs_eventloop_lag_seconds')).to.equal(false);
    expect(own.types.has('isobar_engine_isolates')).to.equal(false);
  });

  it('serves every system without a token on the separate metrics listener, and nothing else there', async () => {
    const port = w.tp.ports.metrics;
    expect(port).to.be.a('number');
    await connect(w.devToken, w.systemKey);
    const r = await getText(`http://127.0.0.1:${String(port)}/metrics`);
    expect(r.status).to.equal(200);
    expect(r.type).to.match(/^text\/plain/);
    expect(valueOf(parseProm(r.body), 'isobar_mqtt_connections', { system: w.systemKey })).to.equal(1);
    expect(
      (await getText(`http://127.0.0.1:${String(port)}/api/v/4/metrics/${w.systemKey}`)).status,
    ).to.equal(404);
  });

  it('publishes $SYS/broker topics to a developer at subscribe and every interval, with its own system figures', async () => {
    const dev = await connect(w.devToken, w.systemKey);
    const first = nextMessage(dev, '$SYS/broker/clients/connected');
    const last = nextMessage(dev, '$SYS/broker/load/messages/sent/15min'); // the end of the first batch
    await dev.subscribeAsync('$SYS/broker/#');
    expect(await first).to.equal('1');
    expect(await last).to.match(/^\d+\.\d\d$/);
    // the periodic publish (ISOBAR_SYS_INTERVAL, 10 s) on the injected clock
    const uptime = nextMessage(dev, '$SYS/broker/uptime');
    const version = nextMessage(dev, '$SYS/broker/version');
    const received = nextMessage(dev, '$SYS/broker/messages/received');
    await dev.subscribeAsync('plain/topic');
    const plain = nextMessage(dev, 'plain/topic');
    await dev.publishAsync('plain/topic', 'x', { qos: 0 });
    await plain; // counted before the interval fires
    clock.advance(10_000);
    expect(await uptime).to.match(/^\d+ seconds$/);
    expect(await version).to.match(/^isobar version /);
    expect(Number(await received)).to.be.at.least(1);

    // another system's developer sees its own figures: one connection, none of A's messages
    const a = api(w.tp.url);
    const other = await newDeveloper(a, await devLogin(a), 'other@test.local');
    const b = await newSystem(a, other, 'B');
    const bClient = await connect(other.token, b.systemKey);
    const bReceived = nextMessage(bClient, '$SYS/broker/messages/received');
    await bClient.subscribeAsync('$SYS/broker/messages/received');
    expect(await bReceived).to.equal('0');
  });

  it('refuses $SYS to a user whose roles do not cover it, and `#` never matches $SYS', async () => {
    await w.grant({ topics: [{ itemInfo: { name: '#' }, permissions: 3 }] });
    const user = await connect(w.userToken, w.systemKey);
    expect(await subackCodes(user, '$SYS/broker/#')).to.deep.equal([128]);
    expect(await subackCodes(user, '#')).to.deep.equal([0]);
    // a developer's subscription makes the platform publish; the user's `#` must not see it
    const dev = await connect(w.devToken, w.systemKey);
    const devGot = nextMessage(dev, '$SYS/broker/clients/connected');
    let userGotSys = false;
    user.on('message', (topic) => {
      if (topic.startsWith('$SYS')) userGotSys = true;
    });
    await dev.subscribeAsync('$SYS/broker/clients/connected');
    expect(await devGot).to.equal('2');
    // the user is subscribed to `#`: a later plain message reaching it proves the $SYS one was not delivered before it
    const marker = nextMessage(user, 'marker');
    await dev.publishAsync('marker', 'm', { qos: 1 });
    await marker;
    expect(userGotSys).to.equal(false);
  });

  it("answers the console's JSON for a developer of the system: figures now and the sampled series", async () => {
    const sk = w.systemKey;
    const sub = await connect(w.devToken, sk);
    await sub.subscribeAsync('a/#', { qos: 0 });
    const got = nextMessage(sub, 'a/b');
    await sub.publishAsync('a/b', 'hello', { qos: 0 });
    await got;
    clock.advance(5_000); // one sample (ISOBAR_METRICS_SAMPLE 5 s)
    const again = nextMessage(sub, 'a/b');
    await sub.publishAsync('a/b', 'again', { qos: 0 });
    await again;
    clock.advance(5_000);
    const r = await w.http('GET', `/api/v/4/metrics/${sk}`, { token: w.devToken });
    expect(r.status).to.equal(200);
    const body = r.body as {
      mqtt: { connections: number; subscriptions: number; received: { total: number } };
      series: Array<{ receivedPerS: number; connections: number }>;
    };
    expect(body.mqtt).to.include({ connections: 1, subscriptions: 1 });
    expect(body.mqtt.received.total).to.equal(2);
    expect(body.series.length).to.be.at.least(1);
    expect(body.series.at(-1)).to.include({ connections: 1 });
    expect(body.series.some((p) => p.receivedPerS > 0)).to.equal(true);
    const user = await w.http('GET', `/api/v/4/metrics/${sk}`, { token: w.userToken });
    expect(user.status).to.be.oneOf([401, 403]);
  });
});
