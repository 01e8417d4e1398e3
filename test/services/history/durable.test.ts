// Durable message history (services/history/README.md "Durable mode"): with `history.durable` a client's QoS 1 PUBLISH on a stored
// topic is acknowledged only after its history write, so a kill -9 right after the last PUBACK loses
// nothing. The platform runs as a child process (`bin/cli.ts start`) so it can really be SIGKILLed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import mqtt from 'mqtt';
import {
  connect,
  createWorkspace,
  developerClient,
  type Rest,
} from '../../../examples/workflows/workflows.js';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';
import { waitFor } from '../../helpers/wait-for.js';
import { historyFixture, SK, type HistoryFixture } from './fixture.js';
import { historyDatabaseUrl } from './pg.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ADMIN = { email: 'admin@test.local', password: 'admin-pass-1' };

interface Child {
  readonly proc: ChildProcess;
  readonly http: number;
  readonly mqtt: number;
}

/** Starts `isobar start` on ephemeral ports and resolves with the ports of its `isobar ready` line. */
function startChild(dataDir: string, env: Record<string, string>): Promise<Child> {
  const disabled = ['MQTTS', 'WS', 'WSS', 'AUTH', 'AUTH_TLS', 'AUTH_WS', 'AUTH_WSS'];
  const proc = spawn(
    process.execPath,
    ['--no-node-snapshot', '--import', 'tsx', join(ROOT, 'bin/cli.ts'), 'start'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ISOBAR_DATA_DIR: dataDir,
        ISOBAR_HOST: '127.0.0.1',
        ISOBAR_HTTP_PORT: '0',
        ISOBAR_MQTT_PORT: '0',
        ...Object.fromEntries(disabled.map((p) => [`ISOBAR_${p}_PORT`, '-1'])),
        ISOBAR_ADMIN_EMAIL: ADMIN.email,
        ISOBAR_ADMIN_PASSWORD: ADMIN.password,
        ISOBAR_LOG_LEVEL: 'silent',
        ...env,
      },
    },
  );
  proc.stderr?.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('no "isobar ready" line within 60 s')), 60_000);
    const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    const fail = (err: Error) => {
      clearTimeout(timer);
      lines.close();
      proc.kill('SIGKILL');
      reject(err);
    };
    proc.once('exit', (code) => fail(new Error(`platform exited with ${String(code)} before it was ready`)));
    lines.on('line', (line) => {
      if (!line.startsWith('isobar ready ')) return;
      clearTimeout(timer);
      proc.removeAllListeners('exit');
      lines.close();
      proc.stdout?.resume();
      const ports = JSON.parse(line.slice('isobar ready '.length)) as { http: number; mqtt: number };
      resolve({ proc, http: ports.http, mqtt: ports.mqtt });
    });
  });
}

/** SIGKILLs the child (no flush, no shutdown) and waits until it is gone. */
function killHard(child: Child): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
  child.proc.kill('SIGKILL');
  return gone;
}

describe('durable message history', () => {
  describe('capture.hold (in process)', () => {
    let fx: HistoryFixture;
    afterEach(() => fx.close());

    const message = (topic: string, payload: string) => ({
      systemKey: SK,
      topic,
      payload: Buffer.from(payload),
      qos: 1 as const,
      retain: false,
      publisher: { kind: 'user' as const, id: 'u1', name: 'u1@x', systemKey: SK },
      hop: 0,
      time: fx.clock.now(),
    });

    it('resolves once the message is stored, without waiting for the batch interval', async () => {
      fx = await historyFixture();
      const held = [0, 1, 2].map((i) => fx.history.capture.hold(message('d/t', `m${i}`)));
      expect(held.every((p) => p instanceof Promise)).to.equal(true);
      // the manual clock never moves: only the durable write can have stored them
      await Promise.all(held);
      expect(fx.history.capture.stats()).to.include({ written: 3, pending: 0 });
    });

    it('skips the later published event of a held message, so it is stored once', async () => {
      fx = await historyFixture();
      const m = message('d/t', 'once');
      await fx.history.capture.hold(m);
      fx.history.capture.capture(m);
      fx.history.capture.capture({ ...m, payload: Buffer.from('another') });
      const stored = await fx.history.query(SK, { topic: 'd/t', count: 0 } as never);
      expect(stored.map((r) => r.payload).sort()).to.deep.equal(['another', 'once']);
    });

    it('holds nothing for a topic the system does not store', async () => {
      fx = await historyFixture();
      await fx.history.setStorage(SK, [{ topic: 'kept/#', max_rows: 0, max_time: 0 }]);
      expect(fx.history.capture.hold(message('other/t', 'x'))).to.equal(undefined);
      expect(fx.history.capture.hold(message('kept/t', 'x'))).to.be.instanceOf(Promise);
    });

    it('refuses to hold with CB_ERR_HISTORY_UNAVAILABLE when the buffer is full', async () => {
      fx = await historyFixture({ capture: { maxPending: 1 } });
      fx.publish('d/t', 'fills the buffer');
      let code: unknown;
      await fx.history.capture.hold(message('d/t', 'x'))?.catch((err: unknown) => {
        code = (err as { code?: unknown }).code;
      });
      expect(code).to.equal('CB_ERR_HISTORY_UNAVAILABLE');
    });
  });

  describe('over a platform in durable mode', () => {
    let tp: TestPlatform | undefined;
    afterEach(async () => {
      await tp?.close({ removeData: true });
      tp = undefined;
    });

    it('acknowledges QoS 1 and QoS 2 only after the write; QoS 0 and unstored topics are not held', async () => {
      tp = await startTestPlatform({ overrides: { 'history.durable': true } });
      const dev = await developerClient(tp.url, ADMIN.email, ADMIN.password);
      const ws = await createWorkspace(dev, `mqtt://127.0.0.1:${String(tp.ports.mqtt)}`, 'durable');
      await tp.platform.history.setStorage(ws.systemKey, [{ topic: 'kept/#', max_rows: 0, max_time: 0 }]);
      const client = await connect(ws, dev.headers['ClearBlade-DevToken'], 'durable-inproc');
      const capture = tp.platform.history.capture;
      try {
        await client.publishAsync('kept/a', 'one', { qos: 1 });
        expect(capture.stats().written).to.equal(1); // no flush in between: the PUBACK waited for it
        await client.publishAsync('kept/a', 'two', { qos: 2 });
        expect(capture.stats().written).to.equal(2);
        await client.publishAsync('other/a', 'not stored', { qos: 1 });
        // Capture listens to the broker's `published` event and was registered first, so once this
        // listener sees the message, capture has taken it too.
        const seen = waitFor(tp.platform.broker, 'published', (m) => m.payload.toString() === 'three');
        await client.publishAsync('kept/a', 'three', { qos: 0 });
        await seen;
        await capture.flush();
        expect(capture.stats()).to.include({ captured: 3, written: 3 }); // each stored once
      } finally {
        await client.endAsync(true);
      }
    });
  });

  describe('kill -9 of a platform process right after the last PUBACK', function () {
    this.timeout(120_000);
    const N = 300;
    let dataDir: string;
    const children: Child[] = [];

    beforeEach(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'isobar-durable-'));
    });
    afterEach(async () => {
      for (const child of children.splice(0)) await killHard(child);
      rmSync(dataDir, { recursive: true, force: true });
    });

    it(`keeps all ${N} acknowledged QoS 1 messages in durable mode`, async () => {
      // On PostgreSQL (ISOBAR_TEST_PG=1) both processes use the data dir's database.
      const url = await historyDatabaseUrl(dataDir);
      const store: Record<string, string> = url === undefined ? {} : { ISOBAR_DATABASE_URL: url };
      const first = await startChild(dataDir, { ...store, ISOBAR_HISTORY_DURABLE: '1' });
      children.push(first);
      let dev: Rest = await developerClient(`http://127.0.0.1:${first.http}`, ADMIN.email, ADMIN.password);
      const system = (await dev.call('POST', '/admin/systemmanagement', { name: 'durable' })) as {
        appID: string;
      };
      const sk = system.appID;
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${first.mqtt}`, {
        username: dev.headers['ClearBlade-DevToken'],
        password: sk,
        clientId: 'durable-publisher',
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      const payloads = Array.from({ length: N }, (_, i) => `m${String(i).padStart(3, '0')}`);
      await Promise.all(payloads.map((p) => client.publishAsync('plant/line1', p, { qos: 1 })));
      // every PUBACK is in: kill at once, with no chance to flush
      await killHard(first);
      client.end(true);

      const second = await startChild(dataDir, store);
      children.push(second);
      dev = await developerClient(`http://127.0.0.1:${second.http}`, ADMIN.email, ADMIN.password);
      const stored = (await dev.call('GET', `/api/v/1/message/${sk}?topic=plant/line1&count=0`)) as Array<{
        payload: string;
      }>;
      expect(stored.map((r) => r.payload).sort()).to.deep.equal(payloads);
    });
  });
});
