import { expect } from 'chai';
import mqemitter from 'mqemitter';
import { createMessageEmitter } from '../../broker/mq.js';

const QUEUED = 20_000;

/**
 * Fills an emitter the way a slow subscriber does: one message holds the only slot, QUEUED more wait
 * behind it and match no listener (their subscriber has left). Answers the held callback and the order
 * in which the queued messages completed.
 */
function fill(mq: mqemitter.MQEmitter): { release: () => void; completed: number[] } {
  let held: (() => void) | undefined;
  mq.on('hold', (_message, done) => {
    held = done;
  });
  mq.emit({ topic: 'hold' });
  const completed: number[] = [];
  for (let i = 0; i < QUEUED; i++) mq.emit({ topic: 'gone', i }, () => completed.push(i));
  return {
    release: () => {
      if (held === undefined) throw new Error('the hold message was not delivered');
      held();
    },
    completed,
  };
}

/** Resolves once `completed` holds `count` entries: wraps its `push` (bounded wait, no polling). */
function settled(completed: number[], count: number, timeoutMs = 10000): Promise<void> {
  if (completed.length >= count) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${String(completed.length)}/${String(count)} completed`)),
      timeoutMs,
    );
    const push = completed.push.bind(completed);
    completed.push = (...items: number[]) => {
      const n = push(...items);
      if (n >= count) {
        clearTimeout(timer);
        resolve();
      }
      return n;
    };
  });
}

describe('broker/mq: the message queue drains without recursion', () => {
  it('pins the upstream fault: bare mqemitter overflows the stack draining a queue nobody listens to', () => {
    const { release } = fill(mqemitter({ concurrency: 1 }));
    expect(release).to.throw(RangeError, /call stack/);
  });

  it('drains the same queue completely, in order, without overflowing', async () => {
    const mq = createMessageEmitter({ concurrency: 1 });
    const { release, completed } = fill(mq);
    expect(release).not.to.throw();
    await settled(completed, QUEUED);
    expect(completed).to.have.length(QUEUED);
    expect(completed.every((v, i) => v === i)).to.equal(true);
  });

  it('keeps order for messages emitted while deferred ones are pending', async () => {
    const mq = createMessageEmitter({ concurrency: 1 });
    const { release, completed } = fill(mq);
    release();
    for (let i = QUEUED; i < QUEUED + 10; i++) mq.emit({ topic: 'gone', i }, () => completed.push(i));
    await settled(completed, QUEUED + 10);
    expect(completed.every((v, i) => v === i)).to.equal(true);
  });

  it('still delivers to listeners, each message once, with concurrency above one', async () => {
    const mq = createMessageEmitter({ concurrency: 100 });
    const seen: number[] = [];
    mq.on('t/#', (message, done) => {
      seen.push(Number(message.i));
      done(); // synchronous, like the broker's internal subscribers
    });
    const completed: number[] = [];
    for (let i = 0; i < 5000; i++) mq.emit({ topic: 't/x', i }, () => completed.push(i));
    await settled(completed, 5000);
    expect(seen).to.have.length(5000);
    expect(seen.every((v, i) => v === i)).to.equal(true);
  });
});
