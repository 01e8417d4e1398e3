import { expect } from 'chai';
import { createManualClock, type ManualClock } from '../../../../services/kernel/clock.js';
import type { Log } from '../../../../services/kernel/log.js';
import type { TimerInput } from '../../../../services/automation/timers/definition.js';
import {
  createTimerRegistry,
  type TimerLimits,
  type TimerRecord,
} from '../../../../services/automation/timers/registry.js';
import { openTestStore, SYSTEM_KEY, type TestStore } from '../store-helper.js';
import { START, startAt, startTimerNode, type TimerNode } from './timer-rig.js';

/** `schedule` running the rig's one service, `report`. */
const report = (schedule: Omit<TimerInput, 'service_name'>): TimerInput => ({
  ...schedule,
  service_name: 'report',
});

interface Rig extends TimerNode {
  readonly fired: Array<{ name: string; at: number; runs: number }>;
}

/** One started node whose only service is `report`, recording each firing instead of running it. */
async function rig(
  ts: TestStore,
  clock: ManualClock,
  options: { limits?: TimerLimits; onServiceCheck?: () => void; log?: Log } = {},
): Promise<Rig> {
  const fired: Rig['fired'] = [];
  const node = await startTimerNode(ts, clock, {
    registry: {
      serviceExists: (_sk, n) => {
        options.onServiceCheck?.();
        return n === 'report';
      },
      limits: options.limits,
      log: options.log,
    },
    scheduler: {
      fire: (t: TimerRecord, at) => fired.push({ name: t.name, at, runs: t.runs }),
      minPeriodS: options.limits?.minPeriodS,
    },
  });
  return { ...node, fired };
}

describe('timer scheduler (manual clock)', () => {
  let ts: TestStore;
  let clock: ManualClock;
  let current: Rig | undefined;

  beforeEach(async () => {
    ts = await openTestStore();
    clock = createManualClock(START);
  });
  afterEach(async () => {
    await current?.scheduler.close();
    current = undefined;
    await ts.close();
  });

  /**
   * A restart: the scheduler stops and the store closes keeping its data; `whileDown` runs in between (the
   * clock moving on); then both come back with `options`, answering the new node.
   */
  const restart = async (options: Parameters<typeof rig>[2] = {}, whileDown = () => {}): Promise<Rig> => {
    await current?.scheduler.close();
    await ts.close(true);
    whileDown();
    ts = await openTestStore(ts.dataDir);
    current = await rig(ts, clock, options);
    return current;
  };

  it('fires at start_time, then every frequency seconds, repeats + 1 times', async () => {
    current = await rig(ts, clock);
    await current.create('tick', report({ start_time: startAt(5000), repeats: 2, frequency: 10 }));
    clock.advance(4999);
    expect(current.fired).to.deep.equal([]);
    for (let i = 0; i < 4; i++) clock.advance(i === 0 ? 1 : 10_000);
    expect(current.fired.map((f) => f.at - START)).to.deep.equal([5000, 15000, 25000]);
    expect(current.fired.map((f) => f.runs)).to.deep.equal([1, 2, 3]);
    expect(clock.pending).to.equal(0);
  });

  it('runs "Now" timers at once and forever with repeats -1', async () => {
    current = await rig(ts, clock);
    await current.create('beat', { start_time: 'Now', repeats: -1, frequency: 1 });
    clock.advance(0);
    for (let i = 0; i < 99; i++) clock.advance(1000);
    expect(current.fired).to.have.length(100);
    expect(current.scheduler.nextRunOf(SYSTEM_KEY, 'beat')).to.equal(START + 100_000);
  });

  it('follows a cron expression on the injected clock', async () => {
    current = await rig(ts, clock);
    await current.create('hourly', { cron: '0 * * * *', repeats: -1 });
    clock.advance(0); // START is midnight: the first matching slot is now
    clock.advance(3600_000);
    clock.advance(3600_000);
    expect(current.fired.map((f) => f.at - START)).to.deep.equal([0, 3600_000, 7200_000]);
  });

  it("reads cron in the timer's time zone across a DST change, and keeps the zone across a reload", async () => {
    // Europe/Berlin springs forward on 2026-03-29 at 02:00 (CET +1 → CEST +2): 02:30 does not exist that day.
    clock.set(Date.UTC(2026, 2, 27, 0, 0));
    current = await rig(ts, clock);
    const created = await current.create('berlin', {
      cron: '30 2 * * *',
      repeats: -1,
      timezone: 'Europe/Berlin',
    });
    expect(created.timezone).to.equal('Europe/Berlin');
    for (let i = 0; i < 4 * 24; i++) clock.advance(3600_000);
    expect(current.fired.map((f) => new Date(f.at).toISOString())).to.deep.equal([
      '2026-03-27T01:30:00.000Z', // 02:30 CET
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 02:30 is skipped by the clocks: the first valid time after, 03:00 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
    const reloaded = createTimerRegistry({ store: ts.store, clock, serviceExists: () => true });
    await reloaded.load();
    expect(reloaded.get(SYSTEM_KEY, 'berlin').timezone).to.equal('Europe/Berlin');
  });

  it('re-arms on update and disarms on delete', async () => {
    current = await rig(ts, clock);
    await current.create('t', { start_time: 'Now', repeats: -1, frequency: 60 });
    clock.advance(0);
    await current.registry.update(SYSTEM_KEY, 't', {
      frequency: 5,
      start_time: startAt(5000),
    });
    clock.advance(5000);
    expect(current.fired.map((f) => f.at - START)).to.deep.equal([0, 5000]);
    await current.registry.delete(SYSTEM_KEY, 't');
    clock.advance(60_000);
    expect(current.fired).to.have.length(2);
    expect(clock.pending).to.equal(0);
  });

  it('survives a restart: the next run comes from the stored definition and missed runs are not replayed', async () => {
    current = await rig(ts, clock);
    await current.create('persist', report({ start_time: startAt(0), repeats: 3, frequency: 10 }));
    clock.advance(0);
    clock.advance(10_000);
    expect(current.fired).to.have.length(2);
    // down from t=10 s to t=35 s: the runs at 20 s and 30 s are missed
    current = await restart({}, () => clock.set(START + 35_000));
    const stored = current.registry.get(SYSTEM_KEY, 'persist');
    expect(stored).to.include({ runs: 2, repeats: 3, frequency: 10, serviceName: 'report' });
    expect(current.scheduler.nextRunOf(SYSTEM_KEY, 'persist')).to.equal(START + 40_000);
    clock.advance(5000);
    clock.advance(10_000);
    clock.advance(10_000);
    expect(current.fired.map((f) => f.at - START)).to.deep.equal([40_000, 50_000]);
    expect(clock.pending).to.equal(0);
  });

  it('refuses a timer naming a missing service and a duplicate name', async () => {
    current = await rig(ts, clock);
    const node = current;
    const create = (name: string, service: string) =>
      node.create(name, { repeats: 0, service_name: service });
    await create('once', 'report');
    for (const [name, service, code] of [
      ['x', 'ghost', 'CB_ERR_TRIGGER_SERVICE_MISSING'],
      ['once', 'report', 'CB_ERR_TIMER_EXISTS'],
    ]) {
      let caught: unknown;
      await create(name, service).catch((err: unknown) => (caught = err));
      expect(caught).to.have.property('code', code);
    }
  });

  it('fires a once-only "Now" timer even when the clock moved while it was being stored', async () => {
    // The store write takes a few ms on a real clock; here the service check moves the manual clock.
    current = await rig(ts, clock, { onServiceCheck: () => clock.advance(7) });
    for (let i = 0; i < 20; i++) {
      await current.create(`once-${i}`, report({ start_time: 'Now', repeats: 0 }));
    }
    clock.advance(0);
    expect(current.fired.map((f) => f.name).sort()).to.have.members(
      Array.from({ length: 20 }, (_, i) => `once-${i}`),
    );
    expect(current.fired.every((f) => f.runs === 1)).to.equal(true);
    expect(clock.pending).to.equal(0);
  });

  it('runs a once-only timer that never ran when the platform comes back after its moment', async () => {
    current = await rig(ts, clock);
    await current.create('later', report({ start_time: startAt(60_000), repeats: 0 }));
    current = await restart({}, () => clock.set(START + 120_000)); // down across its moment
    clock.advance(0);
    expect(current.fired).to.deep.equal([{ name: 'later', at: START + 120_000, runs: 1 }]);
  });

  it('never fires one timer twice within the minimum period, even from a stored cron', async () => {
    current = await rig(ts, clock, { limits: { minPeriodS: 5, maxPerSystem: 10 } });
    // every second by cron: refused at creation under a 5 s minimum…
    let caught: unknown;
    await current
      .create('fast', { cron: '* * * * * *', repeats: -1 })
      .catch((err: unknown) => (caught = err));
    expect(caught).to.have.property('code', 'CB_ERR_TIMER_TOO_FREQUENT');
    // …but one stored under a 1 s minimum still fires at most every 5 s after a restart with 5 s
    current = await restart();
    await current.create('fast', { cron: '* * * * * *', repeats: -1 });
    current = await restart({ limits: { minPeriodS: 5, maxPerSystem: 10 } });
    for (let i = 0; i < 20; i++) clock.advance(1000);
    expect(current.fired.map((f) => (f.at - START) / 1000)).to.deep.equal([0, 5, 10, 15, 20]);
  });
});
