// Batched crossings over a whole platform (docs/warm-runs.md "Batches"): events of one service that queue up
// in the trigger dispatcher go to its warm context together, each answered on its own. One run slot per
// service (engine.maxRunsPerService 1) and a gate run that holds it until the test releases it make the three
// queued events one batch for certain.
import { expect } from 'chai';
import { waitFor } from '../../helpers/wait-for.js';
import { messages, startRig, type Rig } from './rig.js';

/** `gate` waits for `gate/go`; `fail` answers an error; `spin` loops past its timeout; `ok` publishes. */
const STEERED = `var calls = 0;
function steered(req, resp) {
  calls++;
  var kind = req.params.body;
  var m = ClearBlade.Messaging();
  if (kind === 'gate') {
    m.subscribe('gate/go', function () {});
    m.waitForMessage(['gate/go'], function () { resp.success('released'); });
    return;
  }
  log('run ' + kind);
  if (kind === 'spin') { while (true) {} }
  if (kind === 'fail') resp.error('bad ' + kind);
  m.publish('done/' + req.params.topic.slice(3), JSON.stringify({ kind: kind, calls: calls }));
  resp.success('ok');
}`;

describe('triggers over the platform: batched crossings', () => {
  let rig: Rig;
  afterEach(() => rig.close());

  it('answers a failing, a timing-out and a succeeding event of one batch each with its own outcome', async () => {
    rig = await startRig({ overrides: { 'engine.maxRunsPerService': 1 } });
    const sk = rig.ws.systemKey;
    await rig.dev.call('POST', `/admin/code/v/1/${sk}/steered`, {
      code: STEERED,
      parameters: [],
      execution_timeout: 1,
    });
    await rig.onPublish('steeredTrigger', 'in/+', 'steered');
    const client = await rig.mqtt(rig.devToken, 'batch-test');
    await client.subscribeAsync('done/+');
    const platform = rig.tp.platform;
    const gated = waitFor(
      platform.broker,
      'internalSubscribed',
      (e) => e.systemKey === sk && e.filter === 'gate/go',
    );
    const done = messages(client, 1, (t) => t.startsWith('done/'));
    const before = platform.code.engine.stats();
    // In order on one connection: the gate takes the one run slot; the three events queue behind it.
    await client.publishAsync('in/0', 'gate');
    await client.publishAsync('in/1', 'fail');
    await client.publishAsync('in/2', 'spin');
    await client.publishAsync('in/3', 'ok');
    await gated;
    await client.publishAsync('gate/go', 'go');
    const [ok] = await done;
    await platform.automation.dispatcher.idle();

    expect(ok.topic).to.equal('done/3');
    // Its own scope: the top-level counter started anew although the run came after others.
    expect(ok.json).to.deep.equal({ kind: 'ok', calls: 1 });
    const after = platform.code.engine.stats();
    // One crossing carried [fail, spin, ok]; after the timeout, ok ran alone in a fresh context.
    expect(after.batches - before.batches).to.equal(1);
    expect(after.batchedRuns - before.batchedRuns).to.equal(3);
    expect(after.recycled.fault - before.recycled.fault).to.equal(1);
    const answered = rig.tp.log.lines.filter((l) => l.msg === 'trigger service answered an error');
    const byBody = new Map(answered.map((l) => [l.results, l.code]));
    expect(byBody.get('bad fail')).to.equal(undefined);
    expect(byBody.has('bad fail')).to.equal(true);
    expect(answered.filter((l) => l.code === 'CB_ERR_SANDBOX_TIMEOUT')).to.have.length(1);
    expect(answered).to.have.length(2);
    expect(platform.automation.dispatcher.stats()).to.include({ failed: 0, dropped: 0 });
  });
});
