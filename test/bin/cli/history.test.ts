import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { runCli } from '../../../bin/cli/index.js';
import { parseSince } from '../../../bin/cli/history.js';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';

function io(env: Record<string, string>) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  return { io: { env, stdout, stderr }, out: () => out, err: () => err };
}

describe('isobar history', () => {
  let tp: TestPlatform;
  let env: Record<string, string>;

  beforeEach(async () => {
    tp = await startTestPlatform();
    const { identity } = tp.platform;
    const dev = await identity.developerByEmail('admin@test.local');
    const systemKey = (await identity.createSystem(dev?.id ?? '', { name: 'cli' })).systemKey;
    const token = (await identity.loginDeveloper('admin@test.local', 'admin-pass-1')).token;
    env = { ISOBAR_URL: tp.url, ISOBAR_SYSTEM_KEY: systemKey, ISOBAR_TOKEN: token, ISOBAR_HOME: tp.dataDir };
    const base = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 3; i++) {
      tp.platform.history.capture.capture({
        systemKey,
        topic: 'sensors/1',
        payload: Buffer.from(`v${i}`),
        qos: 0,
        retain: false,
        publisher: { kind: 'device', id: 'd1', name: 'd1', systemKey },
        hop: 0,
        time: base + i * 60_000,
      });
    }
  });
  afterEach(async () => {
    await tp.close({ removeData: true });
  });

  it('prints the messages of a topic oldest first', async () => {
    const t = io(env);
    expect(await runCli(['history', 'sensors/1'], t.io)).to.equal(0);
    expect(t.out()).to.equal(
      '2026-01-01T00:00:00.000Z  d1  v0\n2026-01-01T00:01:00.000Z  d1  v1\n2026-01-01T00:02:00.000Z  d1  v2\n',
    );
  });

  it('honours --count and --since', async () => {
    const t = io(env);
    const since = String(Date.UTC(2026, 0, 1, 0, 1) / 1000);
    expect(await runCli(['history', 'sensors/1', '--count', '1', '--since', since], t.io)).to.equal(0);
    expect(t.out()).to.equal('2026-01-01T00:02:00.000Z  d1  v2\n');
  });

  it('exits 2 on a bad --count and 1 when the platform refuses', async () => {
    const bad = io(env);
    expect(await runCli(['history', 't', '--count', '-4'], bad.io)).to.equal(2);
    const refused = io({ ...env, ISOBAR_TOKEN: 'not-a-token' });
    expect(await runCli(['history', 't'], refused.io)).to.equal(1);
    expect(refused.err()).to.contain('CB_ERR_AUTH_INVALID_TOKEN');
  });

  it('reads --since as an age, an ISO date, epoch seconds or epoch ms', () => {
    const now = Date.UTC(2026, 0, 2);
    expect(parseSince('10m', now)).to.equal(now - 600_000);
    expect(parseSince('2026-01-01T00:00:00Z', now)).to.equal(Date.UTC(2026, 0, 1));
    expect(parseSince('1767225600', now)).to.equal(Date.UTC(2026, 0, 1));
    expect(parseSince('1767225600000', now)).to.equal(Date.UTC(2026, 0, 1));
    expect(parseSince('soon', now)).to.equal(undefined);
  });
});
