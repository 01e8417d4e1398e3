// A ClearBlade-style service using Collections, Cache and Requests() together, end to end over real
// sockets (examples/services/ReadingPipeline.js): a user runs it over REST; it calls a local calibration
// service over HTTP (refused until the system's allow-list admits 127.0.0.1), stores the reading in a
// collection, counts readings per sensor in a shared cache across runs and publishes the result, which a
// real MQTT subscriber receives.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { MqttClient } from 'mqtt';
import { codeWorld, connectAsDev, type CodeWorld } from '../services/code/world.js';

const SOURCE = readFileSync(new URL('../../examples/services/ReadingPipeline.js', import.meta.url), 'utf8');

/** The next message on `client`, or a rejection after a bounded wait. */
function nextMessage(client: MqttClient): Promise<{ topic: string; payload: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message within 5 s')), 5000);
    client.once('message', (topic, payload) => {
      clearTimeout(timer);
      resolve({ topic, payload: payload.toString() });
    });
  });
}

/** The outside service the pipeline calls: it doubles the value and remembers every reading it was sent. */
interface Calibration {
  readonly server: Server;
  /** Its http://127.0.0.1:<port>/calibrate URL. */
  readonly uri: string;
  readonly seen: unknown[];
}

/** Starts the calibration service on an ephemeral loopback port. */
async function startCalibration(): Promise<Calibration> {
  const seen: unknown[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const reading = JSON.parse(text) as { value: number };
      seen.push(reading);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ calibrated: reading.value * 2 }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    uri: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/calibrate`,
    seen,
  };
}

describe('e2e: a service using Collections, Cache and Requests() together', function () {
  this.timeout(20000);
  let w: CodeWorld;
  let calibration: Calibration;
  let client: MqttClient;

  beforeEach(async () => {
    calibration = await startCalibration();
    w = await codeWorld();
    const sk = w.systemKey;
    const dev = async (method: string, path: string, body?: unknown) => {
      const r = await w.http(method, path, { body, token: w.devToken });
      expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).to.equal(200);
      return r.body;
    };
    await dev('POST', `/admin/code/v/1/${sk}/ReadingPipeline`, { code: SOURCE });
    const created = await dev('POST', '/admin/collectionmanagement', { name: 'readings', appID: sk });
    for (const [name, type] of [
      ['sensor', 'string'],
      ['value', 'float'],
      ['calibrated', 'float'],
    ]) {
      await dev('PUT', '/admin/collectionmanagement', {
        id: created.collectionID,
        addColumn: { name, type },
      });
    }
    await dev('POST', `/admin/v/4/service_caches/${sk}/pipeline`, { ttl: 3600 });
    // The user's role reaches exactly what the service does for it.
    await w.grant({
      services: [{ itemInfo: { name: 'ReadingPipeline' }, permissions: 1 }],
      collections: [{ itemInfo: { name: 'readings' }, permissions: 3 }],
      servicecaches: [{ itemInfo: { name: 'pipeline' }, permissions: 3 }],
      topics: [{ itemInfo: { name: 'readings/#' }, permissions: 2 }],
    });

    client = await connectAsDev(w);
    await client.subscribeAsync('readings/+/calibrated');
  });
  afterEach(async () => {
    await client.endAsync();
    await w.close();
    calibration.server.close();
  });

  const run = (params: Record<string, unknown>) =>
    w.http('POST', `/api/v/1/code/${w.systemKey}/ReadingPipeline`, {
      body: { calibrateUri: calibration.uri, ...params },
      token: w.userToken,
      header: 'ClearBlade-UserToken',
    });

  it('refuses the loopback endpoint until the allow-list admits it, then stores, counts and publishes', async () => {
    const refused = await run({ sensor: 't1', value: 20.5 });
    expect(refused.body.success).to.equal(false);
    expect(refused.body.results).to.have.nested.property('error.code', 'CB_ERR_OUTBOUND_DISALLOWED_HOST');
    expect(calibration.seen).to.have.length(0);

    const allow = await w.http('PUT', `/admin/v/4/http_allowlist/${w.systemKey}`, {
      body: { entries: ['127.0.0.1/32'] },
      token: w.devToken,
    });
    expect(allow.status).to.equal(200);

    const message = nextMessage(client);
    const first = await run({ sensor: 't1', value: 20.5 });
    expect(first.body.success, JSON.stringify(first.body)).to.equal(true);
    expect(first.body.results).to.include({ sensor: 't1', value: 20.5, calibrated: 41, count: 1 });
    const published = await message;
    expect(published.topic).to.equal('readings/t1/calibrated');
    expect(JSON.parse(published.payload)).to.deep.equal(first.body.results);
    expect(calibration.seen).to.deep.equal([{ sensor: 't1', value: 20.5 }]);

    // The count lives in the cache between runs; the collection holds every reading.
    const second = await run({ sensor: 't1', value: 1 });
    expect(second.body.results).to.include({ calibrated: 2, count: 2 });
    const other = await run({ sensor: 't2', value: 3 });
    expect(other.body.results).to.include({ count: 1 });
    const items = await w.http('GET', `/api/v/1/collection/${w.systemKey}/readings`, { token: w.devToken });
    const data = (items.body as { DATA: Array<Record<string, unknown>> }).DATA;
    expect(data.map((d) => [d.sensor, d.value, d.calibrated]).sort()).to.deep.equal([
      ['t1', 1, 2],
      ['t1', 20.5, 41],
      ['t2', 3, 6],
    ]);
  });
});
