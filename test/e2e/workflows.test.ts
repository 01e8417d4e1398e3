// Both product workflows end to end over real sockets: REST to set up, MQTT devices and subscribers,
// a Messaging::Publish trigger into a micro service (workflow 1), a REST-invoked service (workflow 2).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import {
  createWorkspace,
  developerClient,
  runWorkflow1,
  runWorkflow2,
  setupWorkflow1,
  setupWorkflow2,
  type Workspace,
} from '../../examples/workflows/workflows.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

describe('e2e: the two workflows', () => {
  let tp: TestPlatform;
  let ws: Workspace;

  beforeEach(async () => {
    tp = await startTestPlatform();
    const dev = await developerClient(tp.url, 'admin@test.local', 'admin-pass-1');
    ws = await createWorkspace(dev, `mqtt://127.0.0.1:${String(tp.ports.mqtt)}`);
  });
  afterEach(() => tp.close({ removeData: true }));

  it('workflow 1: a device publish runs a trigger service whose alert reaches a subscriber', async () => {
    const { deviceToken } = await setupWorkflow1(ws);
    const alerts = await runWorkflow1(ws, deviceToken, [21, 35, 18, 40], 2);
    expect(alerts.map((a) => a.topic)).to.deep.equal(['alerts/7', 'alerts/7']);
    expect(alerts.map((a) => (JSON.parse(a.payload) as { temp: number }).temp)).to.deep.equal([35, 40]);
    expect(JSON.parse(alerts[0].payload)).to.include({ device: '7', threshold: 30, from: 'sensor-7' });
  });

  it('workflow 2: a REST call runs a service that publishes and answers {success, results}', async () => {
    await setupWorkflow2(ws);
    const { reply, published } = await runWorkflow2(ws, [3, 5, 10]);
    const summary = { count: 3, mean: 6, min: 3, max: 10 };
    expect(reply).to.deep.equal({ success: true, results: summary });
    expect(published.topic).to.equal('results/summary');
    expect(JSON.parse(published.payload)).to.deep.equal(summary);
  });
});

describe('e2e: examples/workflows/run.ts', () => {
  it('runs both workflows on its own platform', async () => {
    const script = new URL('../../examples/workflows/run.ts', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--no-node-snapshot', '--import', 'tsx', script],
      { timeout: 60_000 },
    );
    expect(stdout).to.include('workflow 1: alerts/7');
    expect(stdout).to.include('workflow 2: reply {"success":true');
  });
});
