// Code services end to end over real sockets: a micro service publishes to a real MQTT subscriber; a stream
// service runs `concurrency` instances listed and stopped over REST, and starts again at platform start.
import { expect } from 'chai';
import type { MqttClient } from 'mqtt';
import { codeWorld, connectAsDev, type CodeWorld } from '../services/code/world.js';
import { tempDataDir } from '../helpers/platform.js';
import { waitFor } from '../helpers/wait-for.js';
import { rmSync } from 'node:fs';

const STREAM = `function Relay(req, resp) {
  var messaging = ClearBlade.Messaging();
  messaging.subscribe("in/#", function () {});
  while (true) {
    messaging.waitForMessage(["in/#"], function (err, msg, topic) {
      if (!err) messaging.publish("out/" + topic, msg.toUpperCase());
    });
  }
}`;

function nextMessage(client: MqttClient, timeoutMs = 5000): Promise<{ topic: string; payload: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message')), timeoutMs);
    client.once('message', (topic, payload) => {
      clearTimeout(timer);
      resolve({ topic, payload: payload.toString() });
    });
  });
}

describe('e2e: code services', () => {
  let w: CodeWorld | undefined;
  let client: MqttClient | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await client?.endAsync();
    client = undefined;
    await w?.close();
    w = undefined;
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  const dev = (method: string, path: string, body?: unknown) => {
    if (w === undefined) throw new Error('no world');
    return w.http(method, path, { body, token: w.devToken });
  };

  it('a service invoked over REST publishes and a real MQTT subscriber receives it', async () => {
    w = await codeWorld();
    const sk = w.systemKey;
    await dev('POST', `/admin/code/v/1/${sk}/Announce`, {
      code: 'function Announce(req, resp) { ClearBlade.Messaging().publish("news/" + req.params.id, JSON.stringify(req.params)); resp.success("sent"); }',
    });
    client = await connectAsDev(w);
    await client.subscribeAsync('news/#');
    const got = nextMessage(client);
    expect((await dev('POST', `/api/v/1/code/${sk}/Announce`, { id: 7, v: 'x' })).body).to.deep.equal({
      success: true,
      results: 'sent',
    });
    expect(await got).to.deep.equal({ topic: 'news/7', payload: '{"id":7,"v":"x"}' });
  });

  it('runs, lists, stops and restarts at platform start the instances of a stream service', async () => {
    dataDir = tempDataDir();
    w = await codeWorld({ dataDir });
    const sk = w.systemKey;
    const broker = w.tp.platform.broker;
    let subscribed = 0;
    const bothSubscribed = waitFor(
      broker,
      'internalSubscribed',
      (e) => e.systemKey === sk && e.filter === 'in/#' && ++subscribed === 2,
      { what: 'both Relay instances subscribed' },
    );
    const created = await dev('POST', `/admin/code/v/1/${sk}/Relay`, {
      code: STREAM,
      execution_timeout: -1,
      concurrency: 2,
    });
    expect(created.body).to.include({ execution_timeout: -1, concurrency: 2 });
    await bothSubscribed;
    const running = (await dev('GET', `/codeadmin/v/3/running/${sk}`)).body as Record<
      string,
      { name: string }
    >;
    expect(Object.values(running).filter((i) => i.name === 'Relay')).to.have.length(2);

    client = await connectAsDev(w);
    await client.subscribeAsync('out/#');
    const got = nextMessage(client);
    await client.publishAsync('in/a', 'ping');
    expect(await got).to.deep.equal({ topic: 'out/in/a', payload: 'PING' });

    await client.endAsync();
    client = undefined;
    await w.close();
    w = await codeWorld({ dataDir });
    // The instances start with the platform: look first, then wait for the engine's stream events.
    const engine = w.tp.platform.code.engine;
    const relays = () => engine.running(sk).filter((i) => i.name === 'Relay' && i.state === 'running');
    if (relays().length < 2) {
      await waitFor(engine, 'stream', () => relays().length === 2, { what: 'instances after restart' });
    }
    const restarted = (await dev('GET', `/codeadmin/v/3/running/${sk}`)).body as Record<
      string,
      { name: string }
    >;
    expect(Object.values(restarted).filter((i) => i.name === 'Relay')).to.have.length(2);

    const [first] = Object.keys(restarted);
    expect((await dev('DELETE', `/codeadmin/v/3/running/${sk}`, { id: first })).body).to.deep.equal({
      stopped: true,
      id: first,
    });
    const left = (await dev('GET', `/codeadmin/v/3/running/${sk}`)).body;
    expect(Object.keys(left)).to.not.include(first);
    const unknown = await dev('DELETE', `/codeadmin/v/3/running/${sk}`, { id: 'nope' });
    expect(unknown.body.code).to.equal('CB_ERR_CODE_INSTANCE_UNKNOWN');

    // The instance left handles a message, then stops too (once its subscription is in place).
    const restartedBroker = w.tp.platform.broker;
    const listening = () => restartedBroker.hasSubscribers(sk, 'in/b');
    if (!listening()) {
      await waitFor(restartedBroker, 'internalSubscribed', listening, {
        what: 'the instance left subscribed',
      });
    }
    client = await connectAsDev(w);
    await client.subscribeAsync('out/#');
    const relayed = nextMessage(client);
    await client.publishAsync('in/b', 'pong');
    expect(await relayed).to.deep.equal({ topic: 'out/in/b', payload: 'PONG' });
    const [second] = Object.keys(left);
    expect((await dev('DELETE', `/codeadmin/v/3/running/${sk}`, { id: second })).body).to.deep.equal({
      stopped: true,
      id: second,
    });
    expect((await dev('GET', `/codeadmin/v/3/running/${sk}`)).body).to.deep.equal({});

    await dev('DELETE', `/admin/code/v/1/${sk}/Relay`);
    expect((await dev('GET', `/codeadmin/v/3/running/${sk}`)).body).to.deep.equal({});
  });
});
