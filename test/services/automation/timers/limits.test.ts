// Timer limits (docs/security.md, automation and data): a minimum period on frequency and cron schedules, a per-system cap that
// holds under concurrent creates, and stored timers below the minimum clamped on load.
import { expect } from 'chai';
import { createManualClock } from '../../../../services/kernel/clock.js';
import { createMemoryLog } from '../../../../services/kernel/log.js';
import { parseTimerSpec, shortestPeriod } from '../../../../services/automation/timers/definition.js';
import { createTimerRegistry, type TimerLimits } from '../../../../services/automation/timers/registry.js';
import { DEVELOPER_ID, openTestStore, SYSTEM_KEY, type TestStore } from '../store-helper.js';

const creator = { kind: 'developer', id: DEVELOPER_ID } as const;
const START = Date.UTC(2026, 0, 1);

async function codeOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  return undefined;
}

describe('timer limits', () => {
  let ts: TestStore;
  const clock = createManualClock(START);
  const registry = (limits: TimerLimits, log = createMemoryLog()) =>
    createTimerRegistry({ store: ts.store, clock, serviceExists: () => true, limits, log });

  beforeEach(async () => {
    ts = await openTestStore();
  });
  afterEach(() => ts.close());

  it('measures the shortest period of frequency and cron schedules; once-only timers have none', () => {
    expect(shortestPeriod(parseTimerSpec({ repeats: -1, frequency: 0.001 }, START), START)).to.equal(0.001);
    expect(shortestPeriod(parseTimerSpec({ repeats: -1, cron: '*/5 * * * * *' }, START), START)).to.equal(5);
    // irregular: 0, 10 and 50 past the minute → the 10 s gap counts
    expect(shortestPeriod(parseTimerSpec({ repeats: -1, cron: '0,10,50 * * * * *' }, START), START)).to.equal(
      10,
    );
    expect(shortestPeriod(parseTimerSpec({ repeats: 0, frequency: 0.001 }, START), START)).to.equal(
      undefined,
    );
  });

  it('refuses a frequency or cron below the minimum period with CB_ERR_TIMER_TOO_FREQUENT', async () => {
    const timers = registry({ minPeriodS: 10, maxPerSystem: 100 });
    await timers.load();
    const refused: Array<Record<string, unknown>> = [
      { repeats: -1, frequency: 0.001 },
      { repeats: 5, frequency: 9 },
      { repeats: -1, frequency: '1' },
      { repeats: -1, cron: '*/5 * * * * *' },
    ];
    for (const body of refused) {
      expect(await codeOf(timers.create(SYSTEM_KEY, 'fast', body, creator)), JSON.stringify(body)).to.equal(
        'CB_ERR_TIMER_TOO_FREQUENT',
      );
    }
    await timers.create(SYSTEM_KEY, 'ok', { repeats: -1, frequency: 10 }, creator);
    await timers.create(SYSTEM_KEY, 'once', { repeats: 0, frequency: 0.5 }, creator);
    await timers.create(SYSTEM_KEY, 'cron', { repeats: -1, cron: '*/10 * * * * *' }, creator);
    expect(await codeOf(timers.update(SYSTEM_KEY, 'ok', { frequency: 0.01 }))).to.equal(
      'CB_ERR_TIMER_TOO_FREQUENT',
    );
    expect(timers.get(SYSTEM_KEY, 'ok').frequency).to.equal(10);
  });

  it('caps the timers of one system, also when the creates race, with CB_ERR_TIMER_LIMIT', async () => {
    const timers = registry({ minPeriodS: 1, maxPerSystem: 5 });
    await timers.load();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        codeOf(timers.create(SYSTEM_KEY, `t${i}`, { repeats: -1, frequency: 60 }, creator)),
      ),
    );
    expect(results.filter((c) => c === undefined)).to.have.length(5);
    expect(results.filter((c) => c === 'CB_ERR_TIMER_LIMIT')).to.have.length(7);
    expect(timers.list(SYSTEM_KEY)).to.have.length(5);
    // a delete makes room again
    await timers.delete(SYSTEM_KEY, 't0');
    await timers.create(SYSTEM_KEY, 'again', { repeats: 0 }, creator);
    expect(await codeOf(timers.create(SYSTEM_KEY, 'more', { repeats: 0 }, creator))).to.equal(
      'CB_ERR_TIMER_LIMIT',
    );
  });

  it('clamps a stored timer below the minimum on load and logs it, leaving the stored row as it was', async () => {
    const before = registry({ minPeriodS: 1, maxPerSystem: 100 });
    await before.load();
    await before.create(SYSTEM_KEY, 'fast', { repeats: -1, frequency: 1 }, creator);
    // as an older platform without a minimum would have stored it
    await ts.store.db.updateTable('timers').set({ frequency: 0.001 }).where('name', '=', 'fast').execute();
    const log = createMemoryLog();
    const after = registry({ minPeriodS: 30, maxPerSystem: 100 }, log);
    await after.load();
    expect(after.get(SYSTEM_KEY, 'fast').frequency).to.equal(30);
    expect(log.lines.some((l) => l.timer === 'fast' && l.level === 'warn')).to.equal(true);
    const row = await ts.store.db.selectFrom('timers').select('frequency').executeTakeFirstOrThrow();
    expect(row.frequency).to.equal(0.001);
  });
});
