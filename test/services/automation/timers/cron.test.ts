import { expect } from 'chai';
import { parseCron, parseTimezone } from '../../../../services/automation/timers/cron.js';

const at = (iso: string) => Date.parse(iso);
const next = (expr: string, from: string) => {
  const t = parseCron(expr).next(at(from));
  return t === undefined ? undefined : new Date(t).toISOString();
};

describe('cron next run (UTC)', () => {
  it('finds the next minute step', () => {
    expect(next('*/5 * * * *', '2026-01-01T10:02:30Z')).to.equal('2026-01-01T10:05:00.000Z');
    expect(next('*/5 * * * *', '2026-01-01T10:05:00Z')).to.equal('2026-01-01T10:10:00.000Z');
  });

  it('supports a seconds field, weekdays by name and month ends', () => {
    expect(next('*/10 * * * * *', '2026-01-01T00:00:01Z')).to.equal('2026-01-01T00:00:10.000Z');
    // 2026-01-03 is a Saturday: the next weekday noon is Monday the 5th
    expect(next('0 12 * * MON-FRI', '2026-01-02T12:00:00Z')).to.equal('2026-01-05T12:00:00.000Z');
    expect(next('0 0 L * *', '2026-02-01T00:00:00Z')).to.equal('2026-02-28T00:00:00.000Z');
    expect(next('0 9 * * 1#2', '2026-01-01T00:00:00Z')).to.equal('2026-01-12T09:00:00.000Z');
  });

  it('refuses invalid expressions with CB_ERR_TIMER_BAD_CRON', () => {
    for (const expr of ['', 'bad', '61 * * * *', '* * * *', '0 0 30 2 *']) {
      expect(() => parseCron(expr))
        .to.throw()
        .with.property('code', 'CB_ERR_TIMER_BAD_CRON');
    }
    expect(() => parseCron(5))
      .to.throw()
      .with.property('code', 'CB_ERR_TIMER_BAD_CRON');
  });

  it('matches day-of-month OR day-of-week when both are restricted (standard cron)', () => {
    // 09:00 on the 13th or on any Friday: 2026-01-02 is a Friday, 2026-01-13 a Tuesday.
    const runs: string[] = [];
    let t = at('2026-01-01T00:00:00Z');
    const s = parseCron('0 9 13 * 5');
    for (let i = 0; i < 4; i++) {
      t = s.next(t) ?? 0;
      runs.push(new Date(t).toISOString());
    }
    expect(runs).to.deep.equal([
      '2026-01-02T09:00:00.000Z',
      '2026-01-09T09:00:00.000Z',
      '2026-01-13T09:00:00.000Z',
      '2026-01-16T09:00:00.000Z',
    ]);
    // With only one of them restricted, that one alone decides.
    expect(next('0 9 13 * *', '2026-01-01T00:00:00Z')).to.equal('2026-01-13T09:00:00.000Z');
    expect(next('0 9 * * 5', '2026-01-03T00:00:00Z')).to.equal('2026-01-09T09:00:00.000Z');
  });

  it('reads the fields in a time zone, across the autumn DST change', () => {
    // New York falls back on 2026-11-01 at 02:00 EDT → 01:00 EST: 01:30 happens twice and runs once.
    const ny = parseCron('30 1 * * *', 'America/New_York');
    const first = ny.next(at('2026-11-01T00:00:00Z')) ?? 0;
    expect(new Date(first).toISOString()).to.equal('2026-11-01T05:30:00.000Z'); // 01:30 EDT
    expect(new Date(ny.next(first) ?? 0).toISOString()).to.equal('2026-11-02T06:30:00.000Z'); // 01:30 EST
    expect(ny.timezone).to.equal('America/New_York');
  });

  it('refuses an unknown time zone with CB_ERR_TIMER_BAD_TIMEZONE and defaults to UTC', () => {
    for (const tz of ['Mars/Olympus', 42, 'x'.repeat(100)]) {
      expect(() => parseTimezone(tz))
        .to.throw()
        .with.property('code', 'CB_ERR_TIMER_BAD_TIMEZONE');
    }
    expect(parseTimezone(undefined)).to.equal('UTC');
    expect(parseTimezone('europe/berlin')).to.equal('Europe/Berlin');
  });
});
