import { expect } from 'chai';
import { nextRun, parseTimerSpec } from '../../../../services/automation/timers/definition.js';

const NOW = Date.UTC(2026, 0, 1, 12);

describe('timer definitions', () => {
  it('reads "Now" and RFC 3339 start times', () => {
    expect(parseTimerSpec({ start_time: 'Now', repeats: -1, frequency: 60 }, NOW).startTime).to.equal(NOW);
    expect(
      parseTimerSpec({ start_time: '2026-02-01T00:00:00Z', repeats: 3, frequency: 1 }, NOW).startTime,
    ).to.equal(Date.UTC(2026, 1, 1));
    expect(
      parseTimerSpec({ start_time: '2026-02-01T01:00:00+01:00', frequency: 1, repeats: 1 }, NOW).startTime,
    ).to.equal(Date.UTC(2026, 1, 1));
  });

  it('refuses bad start times, repeats and frequencies with stable codes', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ start_time: 'tomorrow', frequency: 5, repeats: 1 }, 'CB_ERR_TIMER_BAD_START_TIME'],
      [{ start_time: '2026-02-30', frequency: 5, repeats: 1 }, 'CB_ERR_TIMER_BAD_START_TIME'],
      [{ frequency: 0, repeats: -1 }, 'CB_ERR_TIMER_BAD_FREQUENCY'],
      [{ frequency: -5, repeats: 2 }, 'CB_ERR_TIMER_BAD_FREQUENCY'],
      [{ frequency: -5, repeats: 0 }, 'CB_ERR_TIMER_BAD_FREQUENCY'],
      [{ repeats: -1 }, 'CB_ERR_TIMER_BAD_FREQUENCY'],
      [{ frequency: 5, repeats: -2 }, 'CB_ERR_TIMER_BAD_REPEATS'],
      [{ frequency: 5, repeats: 1.5 }, 'CB_ERR_TIMER_BAD_REPEATS'],
      [{ cron: 'nope', repeats: -1 }, 'CB_ERR_TIMER_BAD_CRON'],
    ];
    for (const [input, code] of cases) {
      expect(() => parseTimerSpec(input, NOW), JSON.stringify(input))
        .to.throw()
        .with.property('code', code);
    }
  });

  it('computes frequency slots from the start time without replaying missed ones', () => {
    const spec = { startTime: NOW, repeats: -1, frequency: 10, runs: 0 };
    expect(nextRun(spec, NOW - 5000)).to.equal(NOW);
    expect(nextRun(spec, NOW)).to.equal(NOW);
    expect(nextRun(spec, NOW + 1)).to.equal(NOW + 10_000);
    // down for 95 s: the next slot is the one after now, not the nine missed
    expect(nextRun({ ...spec, runs: 3 }, NOW + 95_000)).to.equal(NOW + 100_000);
  });

  it('stops after repeats + 1 runs; 0 means once, -1 forever', () => {
    expect(nextRun({ startTime: NOW, repeats: 2, frequency: 1, runs: 3 }, NOW)).to.equal(undefined);
    expect(nextRun({ startTime: NOW, repeats: 2, frequency: 1, runs: 2 }, NOW + 1)).to.equal(NOW + 1000);
    expect(nextRun({ startTime: NOW, repeats: 0, frequency: 0, runs: 1 }, NOW)).to.equal(undefined);
    expect(nextRun({ startTime: NOW, repeats: -1, frequency: 1, runs: 1e6 }, NOW)).to.equal(NOW);
  });

  it('runs a once-only timer set in the past right away', () => {
    const spec = parseTimerSpec({ start_time: '2020-01-01T00:00:00Z', repeats: 0 }, NOW);
    expect(nextRun({ ...spec, runs: 0 }, NOW)).to.equal(NOW);
  });

  it('uses cron instead of frequency, not before the start time', () => {
    const spec = parseTimerSpec({ cron: '0 * * * *', repeats: -1, start_time: '2026-01-01T15:30:00Z' }, NOW);
    expect(spec.frequency).to.equal(0);
    expect(nextRun({ ...spec, runs: 0 }, NOW)).to.equal(Date.UTC(2026, 0, 1, 16));
  });
});
