import { expect } from 'chai';
import { createManualClock } from '../../../services/kernel/clock.js';
import { createMemoryLog } from '../../../services/kernel/log.js';
import { createDispatcher, type Job } from '../../../services/automation/dispatcher.js';

const job = (service: string, hop = 1, n = 0): Job => ({
  systemKey: 'sk',
  service,
  params: { n },
  hop,
  source: `trigger t-${service}`,
  creator: { kind: 'developer', id: 'd' },
});

/** A promise with its resolve function, to hold a fake service run open. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('trigger dispatcher', () => {
  it("hands every job to the door with its hop: the depth rule is the door's, not the queue's", async () => {
    const log = createMemoryLog();
    const ran: number[] = [];
    const d = createDispatcher(
      { laneCapacity: 10, totalCapacity: 100, concurrency: 1 },
      { log, run: (j) => Promise.resolve(void ran.push(j.hop)) },
    );
    expect(d.enqueue(job('s', 7))).to.equal(true);
    expect(d.enqueue(job('s', 8))).to.equal(true);
    expect(d.enqueue(job('s', 64))).to.equal(true);
    await d.idle();
    expect(ran).to.deep.equal([7, 8, 64]);
    expect(log.lines.filter((l) => String(l.code).includes('HOP') || String(l.code).includes('DEPTH'))).to.be
      .empty;
    await d.close();
  });

  it('counts and logs overflow of a full lane without blocking the caller', async () => {
    const log = createMemoryLog();
    const hold = gate();
    const d = createDispatcher(
      { laneCapacity: 2, totalCapacity: 100, concurrency: 1 },
      { log, run: () => hold.promise },
    );
    const accepted = Array.from({ length: 10 }, (_, i) => d.enqueue(job('slow', 1, i)));
    // one running, two waiting, seven dropped
    expect(accepted.filter(Boolean)).to.have.length(3);
    expect(d.stats()).to.include({ running: 1, queued: 2, dropped: 7 });
    const logged = log.lines.filter((l) => l.code === 'CB_ERR_TRIGGER_QUEUE_FULL');
    expect(logged.length).to.be.within(1, 3); // first drop, then powers of two only
    hold.open();
    await d.close();
    expect(d.stats().completed).to.equal(3);
  });

  it('keeps running other services while one service is stuck', async () => {
    const hold = gate();
    const fastDone = gate();
    const done: string[] = [];
    const d = createDispatcher(
      { laneCapacity: 100, totalCapacity: 1000, concurrency: 2 },
      {
        log: createMemoryLog(),
        run: async (j) => {
          if (j.service === 'stuck') await hold.promise;
          done.push(j.service);
          if (done.filter((s) => s === 'fast').length === 5) fastDone.open();
        },
      },
    );
    for (let i = 0; i < 5; i++) d.enqueue(job('stuck', 1, i));
    for (let i = 0; i < 5; i++) d.enqueue(job('fast', 1, i));
    await fastDone.promise;
    expect(done).to.deep.equal(['fast', 'fast', 'fast', 'fast', 'fast']);
    hold.open();
    await d.close();
    expect(done.filter((s) => s === 'stuck')).to.have.length(5);
  });

  it('counts a failing run and goes on with the next', async () => {
    const log = createMemoryLog();
    let calls = 0;
    const d = createDispatcher(
      { laneCapacity: 10, totalCapacity: 100, concurrency: 1 },
      {
        log,
        run: () => (++calls === 1 ? Promise.reject(new Error('boom')) : Promise.resolve()),
      },
    );
    d.enqueue(job('s'));
    d.enqueue(job('s'));
    await d.idle();
    expect(d.stats()).to.include({ failed: 1, completed: 1 });
    expect(log.lines.some((l) => l.msg === 'trigger service run failed')).to.equal(true);
    await d.close();
    expect(d.enqueue(job('s'))).to.equal(false);
  });

  it('keeps one batch of a service in flight while its batches end quickly, and spreads after spreadAfterMs', async () => {
    const clock = createManualClock();
    const holds = [gate(), gate(), gate()];
    const batches: number[][] = [];
    // A batch of one goes to `run`, more to `runBatch`: both hold until the test opens their gate.
    const hand = async (jobs: readonly Job[]) => {
      const hold = holds[batches.length];
      batches.push(jobs.map((j) => (j.params as { n: number }).n));
      await hold.promise;
    };
    const d = createDispatcher(
      { laneCapacity: 100, totalCapacity: 1000, concurrency: 4, batchSize: 16, spreadAfterMs: 5 },
      {
        log: createMemoryLog(),
        clock,
        run: (j) => hand([j]),
        runBatch: async (jobs) => {
          await hand(jobs);
          return jobs.map(() => undefined);
        },
      },
    );
    d.enqueue(job('hot', 1, 0));
    d.enqueue(job('hot', 1, 1));
    d.enqueue(job('hot', 1, 2));
    // The first event went alone; the next two wait for it rather than taking a second isolate at once.
    expect(batches).to.deep.equal([[0]]);
    expect(d.stats()).to.include({ queued: 2, running: 1 });
    clock.advance(4);
    expect(batches).to.deep.equal([[0]]);
    // The batch in flight has now run 5 ms (waiting on I/O, say): the waiting events start beside it, together.
    clock.advance(1);
    expect(batches).to.deep.equal([[0], [1, 2]]);
    d.enqueue(job('hot', 1, 3));
    holds[0].open();
    holds[1].open();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(batches).to.deep.equal([[0], [1, 2], [3]]);
    holds[2].open();
    await d.close();
    expect(d.stats()).to.include({ completed: 4, failed: 0, queued: 0, running: 0 });
  });
});
