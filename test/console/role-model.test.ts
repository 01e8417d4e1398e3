// The console's role model and timer schedule, in Node: the topic check agrees with the broker's rules,
// role edits become the minimal PUT changes, and a timer's next runs follow frequency, repeats and cron.
import { expect } from 'chai';
import { changesFor, checkTopic, draftOf, type RoleJson } from '../../console/src/pages/role-model.js';
import { nextRuns, describeSchedule } from '../../console/src/pages/timer-runs.js';

describe('console role model', () => {
  const topics = [
    { name: 'plant/+/rpm', level: 2 },
    { name: 'sensors/#', level: 1 },
  ];

  it('allows publish on a filter with bit 2 matching the topic, and names the filter', () => {
    expect(checkTopic(topics, 'publish', 'plant/p1/rpm')).to.deep.equal({ allowed: true, by: 'plant/+/rpm' });
    expect(checkTopic(topics, 'publish', 'sensors/t1').allowed).to.equal(false); // subscribe-only filter
    expect(checkTopic(topics, 'publish', 'plant/+/rpm').allowed).to.equal(false); // a filter is no topic
  });

  it('allows subscribe only when a bit-1 filter covers the requested one, $share unwrapped', () => {
    expect(checkTopic(topics, 'subscribe', 'sensors/+/temp').allowed).to.equal(true);
    expect(checkTopic(topics, 'subscribe', '$share/g/sensors/a').allowed).to.equal(true);
    expect(checkTopic(topics, 'subscribe', '#').allowed).to.equal(false); // broader than sensors/#
    expect(checkTopic([{ name: '#', level: 3 }], 'subscribe', '$SYS/x').allowed).to.equal(false); // [MQTT-4.7.2-1]
  });

  it('turns an edit into changes: new levels set, dropped items at level 0, unchanged lists left out', () => {
    const role: RoleJson = {
      ID: 'r1',
      Name: 'Plant',
      Permissions: {
        Topics: [{ Name: 'a/#', Level: 3 }],
        CodeServices: [{ Name: 'Echo', Level: 1 }],
        Collections: [],
        UsersList: { Level: 1 },
      },
    };
    const before = draftOf(role);
    expect(before.topics).to.deep.equal([{ name: 'a/#', level: 3 }]);
    expect(before.lists.users).to.equal(1);
    const after = { ...before, topics: [{ name: 'b/+', level: 2 }], lists: { ...before.lists, devices: 1 } };
    expect(changesFor(before, after)).to.deep.equal({
      topics: [
        { itemInfo: { name: 'b/+' }, permissions: 2 },
        { itemInfo: { name: 'a/#' }, permissions: 0 },
      ],
      services: [{ itemInfo: { name: 'Echo' }, permissions: 1 }],
      devices: { permissions: 1 },
    });
  });
});

describe('console timer schedule', () => {
  const at = '2030-01-01T00:00:00.000Z';
  const t0 = Date.parse(at);

  it('steps by frequency and stops after repeats + 1 runs', () => {
    expect(nextRuns({ next_run: at, frequency: 60, repeats: -1, runs: 5 }, 3)).to.deep.equal([
      t0,
      t0 + 60_000,
      t0 + 120_000,
    ]);
    expect(nextRuns({ next_run: at, frequency: 60, repeats: 2, runs: 1 }, 5)).to.deep.equal([
      t0,
      t0 + 60_000,
    ]);
    expect(nextRuns({ next_run: null, frequency: 60, repeats: -1 }, 3)).to.deep.equal([]);
  });

  it('follows a cron expression in its time zone', () => {
    const runs = nextRuns({ next_run: at, cron: '0 * * * *', timezone: 'UTC', repeats: -1 }, 3);
    expect(runs).to.deep.equal([t0, t0 + 3_600_000, t0 + 7_200_000]);
    expect(describeSchedule({ next_run: at, cron: '0 * * * *', repeats: -1 })).to.equal(
      'cron 0 * * * * (UTC), forever',
    );
  });
});
