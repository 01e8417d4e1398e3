// The one call-depth rule (DESIGN.md "Triggers and timers", depth limit): the invoke door refuses a run whose chain already holds
// `engine.hopLimit` services, with CB_ERR_SANDBOX_DEPTH as its result, whether the chain is made of
// `Code().execute` calls, of trigger runs, or of both. Real platform, real isolates, real MQTT clients.
import { expect } from 'chai';
import { messages, useRig } from '../automation/rig.js';

/** Calls itself with n + 1 until the door refuses; the deepest run answers how deep it got and why it stopped. */
const CHAIN = `function chain(req, resp) {
  var n = req.params.n;
  ClearBlade.Code().execute('chain', { n: n + 1 }, function (err, data) {
    resp.success(err ? { ran: n, refused: data } : data);
  });
}`;

/** Triggered on relay/#: calls \`leaf\`, reports what its callback got, and publishes on relay/ again. */
const RELAY = `function relay(req, resp) {
  ClearBlade.Code().execute('leaf', {}, function (err, data) {
    ClearBlade.Messaging().publish('report/relay', JSON.stringify({ err: err, data: data }));
    ClearBlade.Messaging().publish('relay/x', 'again');
    resp.success('ok');
  });
}`;

const DEPTH = /^CB_ERR_SANDBOX_DEPTH: /;

describe('the call-depth rule at the invoke door', () => {
  const rig = useRig('test');
  let limit: number;

  beforeEach(() => {
    limit = rig.tp.config.engine.hopLimit;
  });

  it("stops a Code().execute chain after hopLimit services; the last caller's callback gets CB_ERR_SANDBOX_DEPTH", async () => {
    await rig.createService('chain', CHAIN);
    const answer = (await rig.dev.call('POST', `/api/v/1/code/${rig.sk}/chain`, { n: 1 })) as {
      success: boolean;
      results: { ran: number; refused: string };
    };
    expect(answer.success).to.equal(true);
    expect(answer.results.ran, 'services that ran in the chain').to.equal(limit);
    expect(answer.results.refused).to.match(DEPTH);
    expect(answer.results.refused).to.contain(`deeper than ${String(limit)}`);
  });

  it('stops a trigger chain after hopLimit services with the same code, in the calling service and in the log', async () => {
    await rig.createService('leaf', `function leaf(req, resp) { resp.success('leaf'); }`);
    await rig.createService('relay', RELAY);
    await rig.onPublish('relay', 'relay/#', 'relay');
    const watcher = await rig.mqtt(rig.devToken, 'depth-watcher');
    await watcher.subscribeAsync('report/#');
    const reports = messages(watcher, limit, (t) => t === 'report/relay');
    await watcher.publishAsync('relay/x', '"start"');
    const got = (await reports).map((r) => r.json as { err: boolean; data: unknown });
    // Runs at hops 0 … limit-1 ran relay; each one's leaf ran at its hop + 1, refused only at the limit.
    expect(got.map((r) => r.err)).to.deep.equal([...Array<boolean>(limit - 1).fill(false), true]);
    expect(got.slice(0, -1).every((r) => r.data === 'leaf')).to.equal(true);
    expect(String(got[limit - 1]?.data)).to.match(DEPTH);
    // The last relay's publish fires one more trigger job: the door refuses it, the trigger logs the code.
    await rig.tp.platform.automation.dispatcher.idle();
    const refused = rig.tp.log.lines.filter((l) => l.code === 'CB_ERR_SANDBOX_DEPTH');
    expect(refused).to.have.length(1);
    expect(refused[0]).to.include({ service: 'relay', source: 'trigger relay' });
    expect(String(refused[0]?.message)).to.contain(`deeper than ${String(limit)}`);
  });

  it('refuses nothing below the limit: a REST run is hop 0 and runs', async () => {
    await rig.createService('leaf', `function leaf(req, resp) { resp.success('leaf'); }`);
    const answer = await rig.dev.call('POST', `/api/v/1/code/${rig.sk}/leaf`, {});
    expect(answer).to.deep.equal({ success: true, results: 'leaf' });
  });
});
