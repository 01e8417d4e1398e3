import { expect } from 'chai';
import { parseCron } from '../../../../services/automation/timers/cron.js';

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
});
