// Timers over a whole platform on a manual clock: REST shapes and codes, firings that run the service and
// publish `$timer/<name>`, and a timer that survives a restart of the platform on the same data dir.
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { Rest } from '../../../../examples/workflows/workflows.js';
import { createManualClock, type ManualClock } from '../../../../services/kernel/clock.js';
import { startedPerTest } from '../../../helpers/fixture.js';
import { tempDataDir } from '../../../helpers/platform.js';
import { ECHO_SERVICE, messages, refusal, startRig, type Rig } from '../rig.js';

const START = Date.UTC(2026, 0, 1);

describe('timers over the platform (manual clock)', () => {
  let clock: ManualClock;
  let rig: Rig | undefined;
  const dirs: string[] = [];

  beforeEach(() => {
    clock = createManualClock(START);
  });
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates, lists, updates and deletes timers in the stored form of reference §5', async () => {
    rig = await startRig({ clock });
    const sk = rig.ws.systemKey;
    await rig.createService('echo', ECHO_SERVICE);
    const created = (await rig.dev.call('POST', `/admin/triggers/timers/${sk}/nightly`, {
      start_time: '2026-01-02T02:00:00Z',
      repeats: -1,
      frequency: 86400,
      service_name: 'echo',
      description: 'every night',
    })) as Record<string, unknown>;
    expect(created).to.include({
      name: 'nightly',
      timer_key: `${sk}::nightly`,
      system_key: sk,
      start_time: '2026-01-02T02:00:00.000Z',
      repeats: -1,
      frequency: 86400,
      service_name: 'echo',
      description: 'every night',
      next_run: '2026-01-02T02:00:00.000Z',
    });
    const user = await rig.createUser('tim@x.io');
    const asUser = new Rest(rig.tp.url, { 'ClearBlade-UserToken': user.token });
    expect(await refusal(asUser.call('GET', `/api/v/3/code/${sk}/timers`))).to.include({ statusCode: 403 });
    await rig.grant({ timers: { permissions: 1 } });
    const list = (await asUser.call('GET', `/api/v/3/code/${sk}/timers`)) as Array<{ name: string }>;
    expect(list.map((t) => t.name)).to.deep.equal(['nightly']);
    const updated = (await rig.dev.call('PUT', `/admin/triggers/timers/${sk}/nightly`, {
      cron: '0 3 * * *',
    })) as {
      cron: string;
      next_run: string;
    };
    expect(updated).to.include({ cron: '0 3 * * *', next_run: '2026-01-02T03:00:00.000Z' });
    await rig.dev.call('DELETE', `/admin/triggers/timers/${sk}/nightly`);
    expect(await refusal(rig.dev.call('GET', `/api/v/3/code/${sk}/timer/nightly`))).to.include({
      statusCode: 404,
      code: 'CB_ERR_TIMER_UNKNOWN',
    });
  });

  it('refuses bad timers at creation with 4xx and stable codes', async () => {
    rig = await startRig({ clock });
    const sk = rig.ws.systemKey;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ start_time: 'soon', repeats: 0 }, 'CB_ERR_TIMER_BAD_START_TIME'],
      [{ repeats: -1, frequency: 0 }, 'CB_ERR_TIMER_BAD_FREQUENCY'],
      [{ repeats: 3, frequency: -10 }, 'CB_ERR_TIMER_BAD_FREQUENCY'],
      [{ repeats: -1, cron: '99 * * * *' }, 'CB_ERR_TIMER_BAD_CRON'],
      [{ repeats: 0, service_name: 'ghost' }, 'CB_ERR_TRIGGER_SERVICE_MISSING'],
    ];
    for (const [body, code] of cases) {
      const err = await refusal(rig.dev.call('POST', `/admin/triggers/timers/${sk}/bad`, body));
      expect(err, code).to.include({ statusCode: 400, code });
    }
  });

  it('runs the service and publishes $timer/<name> on each firing', async () => {
    rig = await startRig({ clock });
    const sk = rig.ws.systemKey;
    await rig.createService('echo', ECHO_SERVICE);
    const watcher = await rig.mqtt(rig.devToken, 'timer-watcher');
    await watcher.subscribeAsync('$timer/tick');
    await watcher.subscribeAsync('echo/timer');
    await rig.dev.call('POST', `/admin/triggers/timers/${sk}/tick`, {
      start_time: new Date(START + 10_000).toISOString(),
      repeats: 1,
      frequency: 60,
      service_name: 'echo',
    });
    const first = messages(watcher, 2);
    clock.advance(10_000);
    const got = await first;
    const tick = got.find((m) => m.topic === '$timer/tick');
    expect(tick?.json).to.deep.equal({
      timer: 'tick',
      timer_key: `${sk}::tick`,
      time: new Date(START + 10_000).toISOString(),
      run: 1,
    });
    expect(got.find((m) => m.topic === 'echo/timer')?.json).to.deep.equal({});
    const second = messages(watcher, 2);
    clock.advance(60_000);
    expect((await second).map((m) => m.topic).sort()).to.deep.equal(['$timer/tick', 'echo/timer']);
    const done = (await rig.dev.call('GET', `/admin/triggers/timers/${sk}/tick`)) as Record<string, unknown>;
    expect(done).to.include({ runs: 2, next_run: null });
  });

  it('runs the service as the developer who created the timer', async () => {
    rig = await startRig({ clock });
    const sk = rig.ws.systemKey;
    await rig.createService(
      'whoami',
      `function whoami(req, resp) { ClearBlade.Messaging().publish('who/am/i', JSON.stringify({ email: req.userEmail })); resp.success(''); }`,
    );
    const watcher = await rig.mqtt(rig.devToken, 'who-watcher');
    await watcher.subscribeAsync('who/#');
    await rig.dev.call('POST', `/admin/triggers/timers/${sk}/who`, { repeats: 0, service_name: 'whoami' });
    const got = messages(watcher, 1);
    clock.advance(0);
    expect((await got)[0].json).to.deep.equal({ email: 'admin@test.local' });
  });

  it('survives a restart: stored, re-armed from its definition, missed runs not replayed', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    rig = await startRig({ clock, dataDir });
    const sk = rig.ws.systemKey;
    await rig.dev.call('POST', `/admin/triggers/timers/${sk}/beat`, {
      start_time: new Date(START + 60_000).toISOString(),
      repeats: -1,
      frequency: 60,
    });
    await rig.close();
    rig = undefined;

    clock.set(START + 150_000); // down across the run at 60 s and 120 s
    rig = await startRig({ clock, dataDir, systemKey: sk });
    const stored = (await rig.dev.call('GET', `/admin/triggers/timers/${sk}/beat`)) as Record<
      string,
      unknown
    >;
    expect(stored).to.include({ runs: 0, frequency: 60, next_run: new Date(START + 180_000).toISOString() });
    const watcher = await rig.mqtt(rig.devToken, 'beat-watcher');
    await watcher.subscribeAsync('$timer/beat');
    const beat = messages(watcher, 1);
    clock.advance(30_000);
    expect((await beat)[0].json).to.include({ run: 1, time: new Date(START + 180_000).toISOString() });
  });
});

describe('timers over the platform (real clock)', () => {
  const start = startedPerTest(startRig, (rig) => rig.close());

  it('runs each of 20 once-only "Now" timers created at once', async () => {
    const rig = await start();
    const sk = rig.ws.systemKey;
    await rig.createService('echo', ECHO_SERVICE);
    const watcher = await rig.mqtt(rig.devToken, 'once-watcher');
    await watcher.subscribeAsync('$timer/+');
    const names = Array.from({ length: 20 }, (_, i) => `once${i}`);
    const fired = messages(watcher, 20, (t) => t.startsWith('$timer/'), 20_000);
    const dev = rig.dev;
    await Promise.all(
      names.map((name) =>
        dev.call('POST', `/admin/triggers/timers/${sk}/${name}`, {
          start_time: 'Now',
          repeats: 0,
          service_name: 'echo',
        }),
      ),
    );
    const got = await fired;
    expect(got.map((m) => m.topic).sort()).to.deep.equal(names.map((n) => `$timer/${n}`).sort());
    await rig.tp.platform.automation.dispatcher.idle();
    const list = (await dev.call('GET', `/admin/triggers/timers/${sk}`)) as Array<{ runs: number }>;
    expect(list.map((t) => t.runs)).to.deep.equal(names.map(() => 1));
  });

  it('answers the timer limits over REST and to a service with stable codes', async () => {
    const rig = await start({ overrides: { 'timers.maxPerSystem': 2, 'timers.minPeriodS': 5 } });
    const sk = rig.ws.systemKey;
    const fast = await refusal(
      rig.dev.call('POST', `/admin/triggers/timers/${sk}/fast`, { repeats: -1, frequency: 0.001 }),
    );
    expect(fast).to.include({ statusCode: 400, code: 'CB_ERR_TIMER_TOO_FREQUENT' });
    await rig.dev.call('POST', `/admin/triggers/timers/${sk}/a`, { repeats: -1, frequency: 5 });
    const tooFast = await refusal(
      rig.dev.call('PUT', `/admin/triggers/timers/${sk}/a`, { cron: '* * * * * *' }),
    );
    expect(tooFast).to.include({ statusCode: 400, code: 'CB_ERR_TIMER_TOO_FREQUENT' });
    await rig.createService(
      'maker',
      `function maker(req, resp) {
        ClearBlade.Timer.Create(req.params.name, req.params.def, function (err, msg) {
          resp.success({ err: err, msg: err ? msg : msg.name });
        });
      }`,
    );
    const make = (name: string, def: Record<string, unknown>) =>
      rig.dev.call('POST', `/api/v/1/code/${sk}/maker`, { name, def }) as Promise<{
        results: { err: boolean; msg: string };
      }>;
    expect((await make('svc-fast', { repeats: -1, frequency: 1 })).results).to.deep.include({ err: true });
    expect((await make('b', { repeats: 0 })).results).to.deep.equal({ err: false, msg: 'b' });
    const full = (await make('c', { repeats: 0 })).results;
    expect(full.err).to.equal(true);
    expect(full.msg).to.include('2 timers');
    const rest = await refusal(rig.dev.call('POST', `/admin/triggers/timers/${sk}/d`, { repeats: 0 }));
    expect(rest).to.include({ statusCode: 409, code: 'CB_ERR_TIMER_LIMIT' });
  });
});
