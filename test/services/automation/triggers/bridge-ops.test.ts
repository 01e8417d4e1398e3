// In-service ClearBlade.Trigger and ClearBlade.Timer (Create, Fetch, instance Update and Delete) through the
// trigger.* and timer.* bridge ops, in a real isolate, called over REST.
import { expect } from 'chai';
import { startRig, type Rig } from '../rig.js';

const MANAGE = `function manage(req, resp) {
  var out = {};
  ClearBlade.Trigger.Create('t1', { def_module: 'Messaging', def_name: 'Publish',
      key_value_pairs: { topic: 'a/#' }, service_name: 'manage' }, function (err, t) {
    if (err) { out.createError = t; return; }
    out.created = t.event_definition;
    t.Update({ key_value_pairs: { topic: 'b/#' } }, function (err2, t2) { out.updated = t2.key_value_pairs; });
  });
  ClearBlade.Trigger.Fetch('t1', function (err, t) {
    out.fetched = t.key_value_pairs;
    t.Delete(function (e) { out.triggerDeleted = !e; });
  });
  // Starting in the future: a timer that starts now fires at once and would run this service a second time.
  ClearBlade.Timer.Create('tm', { repeats: -1, frequency: 60, start_time: '2999-01-01T00:00:00Z',
      service_name: 'manage' }, function (err, tm) {
    out.timer = { frequency: tm.frequency, repeats: tm.repeats, timer_key: tm.timer_key };
    ClearBlade.Timer.Fetch('tm', function (e, again) {
      again.Update({ frequency: 30 }, function (e2, t2) { out.timerUpdated = t2.frequency; });
      again.Delete(function (e3) { out.timerDeleted = !e3; });
    });
  });
  ClearBlade.Trigger.Create('bad', { def_module: 'X', def_name: 'Y', service_name: 'manage' }, function (err, msg) {
    out.bad = { err: err, msg: msg };
  });
  resp.success(out);
}`;

describe('ClearBlade.Trigger and ClearBlade.Timer in a service', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(() => rig.close());

  it('creates, fetches, updates and deletes triggers and timers, with errors as callbacks', async () => {
    const sk = rig.ws.systemKey;
    await rig.createService('manage', MANAGE);
    const reply = (await rig.dev.call('POST', `/api/v/1/code/${sk}/manage`, {})) as {
      success: boolean;
      results: Record<string, unknown>;
    };
    expect(reply.success, JSON.stringify(reply)).to.equal(true);
    const out = reply.results;
    expect(out.created).to.deep.include({ def_module: 'Messaging', def_name: 'Publish' });
    expect(out.updated).to.deep.equal({ topic: 'b/#' });
    expect(out.fetched).to.deep.equal({ topic: 'b/#' });
    expect(out.triggerDeleted).to.equal(true);
    expect(out.timer).to.deep.equal({ frequency: 60, repeats: -1, timer_key: `${sk}::tm` });
    expect(out.timerUpdated).to.equal(30);
    expect(out.timerDeleted).to.equal(true);
    expect(out.bad).to.have.property('err', true);
    expect(String((out.bad as { msg: unknown }).msg)).to.include('X::Y');
    expect(await rig.dev.call('GET', `/admin/triggers/handlers/${sk}`)).to.deep.equal([]);
    expect(await rig.dev.call('GET', `/admin/triggers/timers/${sk}`)).to.deep.equal([]);
  });
});
