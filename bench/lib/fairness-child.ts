// The three processes of bench/fairness.ts, one role each (argv[2]), driven over IPC by the bench:
//   platform  — a whole platform on 127.0.0.1 (ephemeral ports), tenants A and B, and the attack services;
//   probe     — tenant B's REST execute at a fixed rate, answering latency percentiles;
//   attacker  — tenant A's clients for one attack at a time (HTTP, MQTT, raw TCP, WebSocket).
// Separate processes so the probe's clock and the attacker's CPU never share the platform's event loop, and
// a platform that dies is reported instead of taking the bench with it.
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import WebSocket from 'ws';
import { clearBladeHeaders, createRestClient } from '../../bin/cli/rest-client.js';
import { createSamples } from './stats.js';
import { startBenchPlatform } from './platform.js';

/** What the platform child answers once it is up. */
export interface Tenants {
  readonly http: number;
  readonly mqtt: number;
  readonly ws: number;
  readonly a: Tenant;
  readonly b: Tenant;
}

export interface Tenant {
  readonly systemKey: string;
  readonly systemSecret: string;
  readonly devToken: string;
  readonly userEmail: string;
}

/** What the probe answers to `measure`: requests answered, failed, and the latency percentiles in ms. */
export interface Figures {
  readonly n: number;
  readonly failed: number;
  readonly p50: number;
  readonly p99: number;
}

export type AttackName =
  | 'slot-flood'
  | 'stream-fanout'
  | 'interval-storm'
  | 'delayed-flood'
  | 'wasm-growth'
  | 'password-flood'
  | 'ws-big-frames'
  | 'slow-subscriber';

export type Message =
  | { readonly cmd: 'setup'; readonly attack: AttackName }
  | { readonly cmd: 'teardown'; readonly attack: AttackName }
  | { readonly cmd: 'measure'; readonly ms: number; readonly rate: number }
  | { readonly cmd: 'start'; readonly attack: AttackName }
  | { readonly cmd: 'stop' }
  | { readonly cmd: 'stats' }
  | { readonly cmd: 'close' };

const PASSWORD = 'Bench-pass-1!x';
const SLEEPERS = 4;
/** Eight levels: every mix of literal and `+` per level gives 256 distinct filters matching it. */
const FANOUT_TOPIC = 'a/b/c/d/e/f/g/h';

interface AttackService {
  readonly name: string;
  readonly code: string;
  readonly timeout: number;
}

/**
 * A service that makes `count` timer calls (`call`, whose callback is `done`) and answers how many the
 * platform accepted and refused: the timer attacks differ only in the call and what it sends.
 */
function countedCalls(name: string, count: number, call: string, setup = ''): AttackService {
  const code = `function ${name}(req, resp) {
    var m = ClearBlade.Messaging(), ok = 0, refused = 0;
    function done(err) { if (err) refused++; else ok++; }
    ${setup}
    for (var i = 0; i < ${String(count)}; i++) ${call};
    resp.success({ok: ok, refused: refused});
  }`;
  return { name, code, timeout: 60 };
}

/** The code of each attack service (tenant A), by attack; execution_timeout -1 = stream. */
const ATTACK_SERVICES: Partial<Record<AttackName, AttackService[]>> = {
  'slot-flood': Array.from({ length: SLEEPERS }, (_, i) => ({
    name: `Sleeper${String(i)}`,
    code: `function Sleeper${String(i)}(req, resp) { sleep(1000); resp.success('slept'); }`,
    timeout: 60,
  })),
  'stream-fanout': [
    {
      name: 'Fanout',
      timeout: -1,
      code: `function Fanout(req, resp) {
        var m = ClearBlade.Messaging();
        var levels = '${FANOUT_TOPIC}'.split('/');
        for (var i = 0; i < 256; i++) {
          var f = levels.map(function (l, j) { return (i >> j) & 1 ? '+' : l; }).join('/');
          m.subscribe(f, function () {});
        }
        while (true) m.waitForMessage(['${FANOUT_TOPIC}'], function () {});
      }`,
    },
  ],
  'interval-storm': [countedCalls('Storm', 1000, "m.setInterval(1, 'storm/x', 'x', -1, done)")],
  'delayed-flood': [
    countedCalls(
      'Delayed',
      100,
      "m.setTimeout(600000, 'delayed/x', big, done)",
      "var big = new Array(1024 * 1024 + 1).join('x');",
    ),
  ],
  'wasm-growth': [
    {
      name: 'Wasm',
      timeout: 60,
      code: `function Wasm(req, resp) {
        var mem = new WebAssembly.Memory({initial: 1, maximum: 16384});
        for (var i = 0; i < 16; i++) mem.grow(1024);
        sleep(2000);
        resp.success(mem.buffer.byteLength);
      }`,
    },
  ],
};

const send = (m: unknown): void => {
  process.send?.(m);
};

// ---------------------------------------------------------------- platform

async function platformRole(): Promise<void> {
  const { platform, ports, close } = await startBenchPlatform('fair', {
    mqtt: ['tcpPort', 'wsPort'],
    password: PASSWORD,
  });
  const base = `http://127.0.0.1:${String(ports.http)}`;
  const identity = platform.identity;
  const dev = await identity.developerByEmail('bench@isobar.local');
  if (dev === undefined) throw new Error('no developer');
  const devToken = (await identity.loginDeveloper('bench@isobar.local', PASSWORD)).token;
  const rest = createRestClient(base);
  const asDev = rest.with(clearBladeHeaders.dev(devToken));
  const tenant = async (name: string): Promise<Tenant> => {
    const system = await identity.createSystem(dev.id, { name });
    const userEmail = `victim@${name}.local`;
    await rest.request('POST', '/api/v/1/user/reg', {
      body: { email: userEmail, password: PASSWORD },
      headers: clearBladeHeaders.system(system.systemKey, system.systemSecret),
    });
    return { systemKey: system.systemKey, systemSecret: system.systemSecret, devToken, userEmail };
  };
  const a = await tenant('tenant-a');
  const b = await tenant('tenant-b');
  await asDev.request('POST', `/admin/code/v/1/${b.systemKey}/Healthy`, {
    body: { code: 'function Healthy(req, resp) { resp.success(req.params.lhs + req.params.rhs); }' },
  });
  const tenants: Tenants = { http: ports.http ?? 0, mqtt: ports.mqtt ?? 0, ws: ports.ws ?? 0, a, b };
  process.on('message', (m: Message) => {
    void (async () => {
      try {
        if (m.cmd === 'setup') {
          for (const s of ATTACK_SERVICES[m.attack] ?? [])
            await asDev.request('POST', `/admin/code/v/1/${a.systemKey}/${s.name}`, {
              body: { code: s.code, execution_timeout: s.timeout },
            });
          send({ ok: true });
        } else if (m.cmd === 'teardown') {
          for (const s of ATTACK_SERVICES[m.attack] ?? [])
            await asDev.request('DELETE', `/admin/code/v/1/${a.systemKey}/${s.name}`);
          send({ ok: true });
        } else if (m.cmd === 'stats') {
          const mem = process.memoryUsage();
          send({ rssMb: mem.rss / 2 ** 20, heapMb: mem.heapUsed / 2 ** 20 });
        } else if (m.cmd === 'close') {
          await close();
          send({ ok: true });
          process.exit(0);
        }
      } catch (err) {
        send({ ok: false, error: String(err) });
      }
    })();
  });
  send({ ready: tenants });
}

// ---------------------------------------------------------------- probe (tenant B)

async function probeRole(t: Tenants): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const body = JSON.stringify({ lhs: 3, rhs: 4 });
  const one = (): Promise<{ ms: number; ok: boolean }> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port: t.http,
          method: 'POST',
          path: `/api/v/1/code/${t.b.systemKey}/Healthy`,
          headers: {
            'ClearBlade-DevToken': t.b.devToken,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const ok = res.statusCode === 200 && Buffer.concat(chunks).toString().includes('"results":7');
            resolve({ ms: performance.now() - t0, ok });
          });
        },
      );
      req.setNoDelay(true);
      req.on('error', () => resolve({ ms: performance.now() - t0, ok: false }));
      req.end(body);
    });
  process.on('message', (m: Message) => {
    if (m.cmd !== 'measure') return;
    void (async () => {
      const samples = createSamples(4096);
      let failed = 0;
      const pending: Array<Promise<void>> = [];
      const t0 = performance.now();
      // Open loop: one request every 1000/rate ms whatever the answers, so a stall shows as latency.
      for (let i = 0; performance.now() - t0 < m.ms; i++) {
        pending.push(
          one().then((r) => {
            if (r.ok) samples.add(r.ms);
            else failed++;
          }),
        );
        const next = t0 + ((i + 1) * 1000) / m.rate;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
      }
      await Promise.all(pending);
      const figures: Figures = {
        n: samples.count,
        failed,
        p50: samples.percentile(50),
        p99: samples.percentile(99),
      };
      send(figures);
    })();
  });
  send({ ready: true });
}

// ---------------------------------------------------------------- attacker (tenant A)

interface Attack {
  /** Ends the attack's clients; resolves with a one-line summary once they are gone. */
  stop(): Promise<string>;
}

async function attackerRole(t: Tenants): Promise<void> {
  let current: Attack | undefined;
  process.on('message', (m: Message) => {
    void (async () => {
      try {
        if (m.cmd === 'start') {
          current = await startAttack(m.attack, t);
          send({ ok: true });
        } else if (m.cmd === 'stop') {
          const summary = current === undefined ? '' : await current.stop();
          current = undefined;
          send({ ok: true, summary });
        }
      } catch (err) {
        send({ ok: false, error: String(err) });
      }
    })();
  });
  send({ ready: true });
}

/**
 * An attack that repeats `round` while `going()` holds, until stopped; stop waits for the round in flight,
 * then `finish` releases what the attack holds and says what it did.
 */
function repeatUntilStopped(
  round: () => Promise<void>,
  finish: () => string | Promise<string>,
  going: () => boolean = () => true,
): Attack {
  let stopping = false;
  const loop = (async () => {
    while (!stopping && going()) await round();
  })();
  return {
    async stop() {
      stopping = true;
      await loop.catch(() => {});
      return finish();
    },
  };
}

/** HTTP lanes sending one request after another until stopped; counts answers by status. */
function httpLanes(
  t: Tenants,
  lanes: number,
  next: (i: number) => { path: string; headers: Record<string, string>; body: unknown },
): Attack {
  const agent = new Agent({ keepAlive: true, maxSockets: lanes });
  const statuses = new Map<number, number>();
  let stopping = false;
  const one = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const r = next(i);
      const body = JSON.stringify(r.body);
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port: t.http,
          method: 'POST',
          path: r.path,
          headers: {
            ...r.headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
            resolve();
          });
        },
      );
      req.on('error', () => {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
        resolve();
      });
      req.end(body);
    });
  const running = Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = lane; !stopping; i += lanes) await one(i);
    }),
  );
  return {
    async stop() {
      stopping = true;
      await running;
      agent.destroy();
      return [...statuses].map(([s, n]) => `${String(n)}×${String(s)}`).join(' ');
    },
  };
}

const execute = (t: Tenants, name: string) => ({
  path: `/api/v/1/code/${t.a.systemKey}/${name}`,
  headers: { 'ClearBlade-DevToken': t.a.devToken },
  body: {},
});

async function mqttClient(t: Tenants, clientId: string): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${String(t.mqtt)}`, {
    username: t.a.devToken,
    password: t.a.systemKey,
    clientId,
    reconnectPeriod: 0,
  });
}

/** Starts one attack of tenant A; see bench/README.md for what each one is. */
async function startAttack(name: AttackName, t: Tenants): Promise<Attack> {
  switch (name) {
    case 'slot-flood':
      // 64 lanes on 4 services that each sleep 1 s: the "all 64 isolate slots held".
      return httpLanes(t, 64, (i) => execute(t, `Sleeper${String(i % SLEEPERS)}`));
    case 'interval-storm':
      return httpLanes(t, 1, () => execute(t, 'Storm'));
    case 'delayed-flood':
      return httpLanes(t, 1, () => execute(t, 'Delayed'));
    case 'wasm-growth':
      return httpLanes(t, 2, () => execute(t, 'Wasm'));
    case 'password-flood':
      return httpLanes(t, 16, () => ({
        path: '/api/v/1/user/auth',
        headers: { 'ClearBlade-SystemKey': t.a.systemKey, 'ClearBlade-SystemSecret': t.a.systemSecret },
        body: { email: t.a.userEmail, password: 'wrong-guess' },
      }));
    case 'stream-fanout': {
      const client = await mqttClient(t, 'fanout-pub');
      const payload = Buffer.alloc(1_000_000, 0x61);
      let sent = 0;
      return repeatUntilStopped(
        async () => {
          await client.publishAsync(FANOUT_TOPIC, payload, { qos: 0 });
          sent++;
          await new Promise((resolve) => setTimeout(resolve, 250));
        },
        async () => {
          await client.endAsync(true);
          return `${String(sent)} × 1 MB published`;
        },
        () => client.connected,
      );
    }
    case 'ws-big-frames': {
      // Eight connections, each sending a 16 MB binary frame before any CONNECT, again whenever closed.
      const frame = Buffer.alloc(16 * 2 ** 20, 0x10);
      let stopping = false;
      let frames = 0;
      let closed = 0;
      const sockets = new Set<WebSocket>();
      const open = (): void => {
        if (stopping) return;
        const ws = new WebSocket(`ws://127.0.0.1:${String(t.ws)}/mqtt`, 'mqtt');
        sockets.add(ws);
        ws.on('open', () => {
          frames++;
          ws.send(frame);
        });
        ws.on('error', () => {});
        ws.on('close', () => {
          closed++;
          sockets.delete(ws);
          setTimeout(open, 50);
        });
      };
      for (let i = 0; i < 8; i++) open();
      return {
        async stop() {
          stopping = true;
          for (const ws of sockets) ws.terminate();
          return `${String(frames)} × 16 MB frames sent, ${String(closed)} connections closed by the server`;
        },
      };
    }
    case 'slow-subscriber': {
      // A subscriber that stops reading, a burst of 5,000 QoS 0 publishes in one chunk, then it goes away.
      let rounds = 0;
      const raw = (): Promise<Socket> =>
        new Promise((resolve, reject) => {
          const s = connect(t.mqtt, '127.0.0.1', () => resolve(s));
          s.setNoDelay(true);
          s.on('error', reject);
        });
      const connectPacket = (clientId: string) =>
        mqttPacket.generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clean: true,
          keepalive: 0,
          clientId,
          username: t.a.devToken,
          password: Buffer.from(t.a.systemKey),
        });
      const burst = Buffer.concat(
        Array.from({ length: 5000 }, () =>
          mqttPacket.generate({
            cmd: 'publish',
            topic: 'slow/x',
            payload: Buffer.alloc(64, 1),
            qos: 0,
            dup: false,
            retain: false,
          }),
        ),
      );
      return repeatUntilStopped(
        async () => {
          const sub = await raw();
          sub.write(connectPacket(`slow-sub-${String(rounds)}`));
          sub.write(
            mqttPacket.generate({
              cmd: 'subscribe',
              messageId: 1,
              subscriptions: [{ topic: 'slow/#', qos: 0 }],
            }),
          );
          await new Promise((resolve) => setTimeout(resolve, 100));
          sub.pause();
          const pub = await raw();
          pub.write(connectPacket(`slow-pub-${String(rounds)}`));
          pub.write(burst);
          await new Promise((resolve) => setTimeout(resolve, 300));
          sub.destroy();
          pub.destroy();
          rounds++;
          await new Promise((resolve) => setTimeout(resolve, 200));
        },
        () => `${String(rounds)} rounds of 5,000 publishes to a stalled subscriber`,
      );
    }
  }
}

// ---------------------------------------------------------------- entry

const role = process.argv[2];
if (role === 'platform') await platformRole();
else {
  const tenants = JSON.parse(process.argv[3] ?? '{}') as Tenants;
  if (role === 'probe') await probeRole(tenants);
  else if (role === 'attacker') await attackerRole(tenants);
  else throw new Error(`unknown role ${String(role)}`);
}
