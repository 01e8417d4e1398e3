import { expect } from 'chai';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { SYS_A, collect, createFakeAuth, removeDir, type FakeAuth, clientEvent } from './helpers.js';
import { createBroker } from '../../broker/index.js';
import type { Broker, ListeningPorts } from '../../broker/types.js';
import { DEFAULT_LIMITS } from './helpers.js';
import { createMemoryLog } from '../../services/kernel/log.js';
import { systemClock } from '../../services/kernel/clock.js';
import { decodeAuthPayload } from '../../broker/auth-over-mqtt.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { openClients } from '../helpers/clients.js';
import { useFixture } from '../helpers/fixture.js';

/** Every port on ephemeral numbers (0); -1 turns a listener off. */
const ALL_PORTS = { tcp: 0, tls: 0, ws: 0, wss: 0, auth: 0, authTls: 0, authWs: 0, authWss: 0 };

/** A broker on `dataDir` with `auth`, listening on `ports`; `tls` unset = a self-signed pair in the data dir. */
async function listeningBroker(
  dataDir: string,
  auth: FakeAuth,
  ports: Record<keyof typeof ALL_PORTS, number>,
  options: { tls?: { cert: string; key: string }; publicHost: string },
): Promise<{ broker: Broker; ports: ListeningPorts }> {
  const broker = await createBroker(
    {
      host: '127.0.0.1',
      ports,
      tls: options.tls,
      dataDir,
      limits: DEFAULT_LIMITS,
      publicHost: options.publicHost,
    },
    { auth, log: createMemoryLog(), clock: systemClock },
  );
  return { broker, ports: await broker.listen() };
}

describe('broker/listeners: every port', function () {
  this.timeout(30000);
  const b = useFixture(
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'isobar-listeners-'));
      const auth = createFakeAuth();
      auth.add('tok-a', { kind: 'user', id: 'u1', name: 'a@x.test', systemKey: SYS_A });
      auth.users.set('a@x.test:pw', 'u1');
      return {
        dataDir,
        auth,
        ...(await listeningBroker(dataDir, auth, ALL_PORTS, { publicHost: 'mqtt.example.test' })),
      };
    },
    async ({ broker, dataDir }) => {
      await broker.close();
      removeDir(dataDir);
    },
  );
  const clients = openClients();

  const roundTrip = async (url: string, extra: mqtt.IClientOptions = {}) => {
    const client = mqtt.connect(url, {
      username: 'tok-a',
      password: SYS_A,
      reconnectPeriod: 0,
      rejectUnauthorized: false,
      ...extra,
    });
    clients.push(client);
    await clientEvent(client, 'connect');
    await client.subscribeAsync('ping/#');
    const got = collect(client, 1);
    await client.publishAsync('ping/1', url);
    expect((await got)[0].payload).to.equal(url);
  };

  it('serves MQTT over TCP', () => roundTrip(`mqtt://127.0.0.1:${String(b.ports.mqtt)}`));
  it('serves MQTT over TLS with a self-signed pair generated into the data dir', async () => {
    expect(existsSync(join(b.dataDir, 'tls', 'cert.pem'))).to.equal(true);
    await roundTrip(`mqtts://127.0.0.1:${String(b.ports.mqtts)}`, {
      ca: readFileSync(join(b.dataDir, 'tls', 'cert.pem')),
      rejectUnauthorized: true,
    });
  });
  it('serves MQTT over WebSocket on /mqtt', () => roundTrip(`ws://127.0.0.1:${String(b.ports.ws)}/mqtt`));
  it('serves MQTT over secure WebSocket on /mqtt', () =>
    roundTrip(`wss://127.0.0.1:${String(b.ports.wss)}/mqtt`));
  it('speaks MQTT 3.1 over WebSocket with the mqttv3.1 subprotocol (Paho fallback)', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${String(b.ports.ws)}/mqtt`, ['mqttv3.1']);
    await once(ws, 'open');
    expect(ws.protocol).to.equal('mqttv3.1');
    ws.close();
    await roundTrip(`ws://127.0.0.1:${String(b.ports.ws)}/mqtt`, {
      protocolVersion: 3,
      protocolId: 'MQIsdp',
    });
  });
  it('answers 404 for other WebSocket paths', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${String(b.ports.ws)}/other`, ['mqtt']);
    const [err] = (await once(ws, 'error')) as [Error];
    expect(err.message).to.match(/404/);
  });

  const authExchange = async (url: string) => {
    const client = mqtt.connect(url, {
      username: SYS_A,
      password: 'SECRETA',
      clientId: 'a@x.test:pw',
      reconnectPeriod: 0,
      rejectUnauthorized: false,
    });
    clients.push(client);
    await clientEvent(client, 'connect');
    const got = new Promise<Buffer>((resolve) => client.once('message', (_t, payload) => resolve(payload)));
    await client.subscribeAsync('auth', { qos: 2 });
    const [token, id, url2] = decodeAuthPayload(await got);
    expect(token).to.equal('tok-u1');
    expect(id).to.equal('u1');
    expect(url2).to.equal(`mqtt.example.test:${String(b.ports.mqtt)}`);
  };
  it('answers auth over MQTT on the TCP auth port', () =>
    authExchange(`mqtt://127.0.0.1:${String(b.ports.auth)}`));
  it('answers auth over MQTT on the TLS auth port', () =>
    authExchange(`mqtts://127.0.0.1:${String(b.ports.authTls)}`));
  it('answers auth over MQTT on the WebSocket auth port (/mqtt_auth)', () =>
    authExchange(`ws://127.0.0.1:${String(b.ports.authWs)}/mqtt_auth`));
  it('answers auth over MQTT on the secure WebSocket auth port (/mqtt)', () =>
    authExchange(`wss://127.0.0.1:${String(b.ports.authWss)}/mqtt`));

  it('reuses the generated TLS pair on the next start and disables ports set to -1', async () => {
    const before = readFileSync(join(b.dataDir, 'tls', 'cert.pem'), 'utf8');
    const dir2 = mkdtempSync(join(tmpdir(), 'isobar-listeners-'));
    const { broker: second, ports: p } = await listeningBroker(
      dir2,
      b.auth,
      { tcp: 0, tls: -1, ws: -1, wss: -1, auth: -1, authTls: -1, authWs: -1, authWss: -1 },
      {
        tls: { cert: join(b.dataDir, 'tls', 'cert.pem'), key: join(b.dataDir, 'tls', 'key.pem') },
        publicHost: 'h',
      },
    );
    await second.close();
    removeDir(dir2);
    expect(p.mqtts).to.equal(null);
    expect(p.mqtt).to.be.a('number');
    expect(existsSync(join(dir2, 'tls'))).to.equal(false);
    expect(readFileSync(join(b.dataDir, 'tls', 'cert.pem'), 'utf8')).to.equal(before);
  });
});
