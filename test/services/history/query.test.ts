import { expect } from 'chai';
import { normalizeQuery, parseRawQuery } from '../../../services/history/query.js';
import { historyFixture, SK, type HistoryFixture } from './fixture.js';

describe('history query parsing', () => {
  it('keeps a literal + in an unencoded topic and decodes %-escapes', () => {
    expect(parseRawQuery('topic=a/+/c&count=5')).to.deep.equal({ topic: 'a/+/c', count: '5' });
    expect(parseRawQuery('topic=a%2Fb%20c&last=1')).to.deep.equal({ topic: 'a/b c', last: '1' });
  });

  it('keeps a malformed escape as sent instead of failing', () => {
    expect(parseRawQuery('topic=100%&count=1')).to.deep.equal({ topic: '100%', count: '1' });
  });

  it('reads epoch seconds and epoch milliseconds as the same instant', () => {
    const s = normalizeQuery({ topic: 't', last: '1764000000' });
    const ms = normalizeQuery({ topic: 't', last: 1764000000000 });
    expect(s.last).to.equal(1764000000000);
    expect(ms.last).to.equal(1764000000000);
  });

  it('treats -1 and 0 as an open bound and a missing count as all', () => {
    expect(normalizeQuery({ topic: 't', start: '-1', stop: '-1', last: '0' })).to.deep.equal({
      topic: 't',
      count: 0,
      last: undefined,
      start: undefined,
      stop: undefined,
    });
  });

  for (const [title, fields] of [
    ['a non-numeric count', { topic: 't', count: 'ten' }],
    ['a negative count', { topic: 't', count: '-3' }],
    ['a fractional count', { topic: 't', count: '1.5' }],
    ['a non-numeric last', { topic: 't', last: 'yesterday' }],
    ['start after stop', { topic: 't', start: '200', stop: '100' }],
    ['a missing topic', { count: '1' }],
  ] as const) {
    it(`refuses ${title} with CB_ERR_HISTORY_BAD_QUERY`, () => {
      expect(() => normalizeQuery(fields))
        .to.throw()
        .with.property('code', 'CB_ERR_HISTORY_BAD_QUERY');
    });
  }
});

for (const batchSize of [1000, 3]) {
  describe(`history queries (capture batches of ${String(batchSize)})`, () => {
    let f: HistoryFixture;
    /** Publishes m0..m9 one second apart; returns the time of each. */
    const tenMessages = (): number[] => {
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        times.push(f.clock.now());
        f.publish('t', `m${i}`);
        f.clock.advance(1000);
      }
      return times;
    };
    const payloads = async (q: Parameters<HistoryFixture['history']['query']>[1]) =>
      (await f.history.query(SK, q)).map((r) => r.payload);

    beforeEach(async () => {
      f = await historyFixture({ maxCount: 4, capture: { batchSize } });
    });
    afterEach(async () => {
      await f.close();
    });

    it('returns the newest `count` messages, newest first', async () => {
      tenMessages();
      expect(await payloads({ topic: 't', count: 3 })).to.deep.equal(['m9', 'm8', 'm7']);
    });

    it('bounds count=0 (all) and oversized counts by the maximum', async () => {
      tenMessages();
      expect(await payloads({ topic: 't', count: 0 })).to.have.length(4);
      expect(await payloads({ topic: 't', count: 1_000_000 })).to.have.length(4);
    });

    it('returns `count` messages before `last`', async () => {
      const times = tenMessages();
      expect(await payloads({ topic: 't', count: 2, last: times[5] })).to.deep.equal(['m4', 'm3']);
    });

    it('returns the messages inside a start/stop window, inclusive', async () => {
      const times = tenMessages();
      expect(await payloads({ topic: 't', count: 0, start: times[2], stop: times[4] })).to.deep.equal([
        'm4',
        'm3',
        'm2',
      ]);
    });

    it('combines last with a window', async () => {
      const times = tenMessages();
      expect(
        await payloads({ topic: 't', count: 0, last: times[4], start: times[2], stop: times[8] }),
      ).to.deep.equal(['m3', 'm2']);
    });

    it('pages backwards with time_ms as the next last', async () => {
      tenMessages();
      const seen: string[] = [];
      let last: number | undefined;
      for (;;) {
        const page = await f.history.query(SK, { topic: 't', count: 4, last });
        if (page.length === 0) break;
        seen.push(...page.map((r) => r.payload));
        last = page[page.length - 1].time_ms;
      }
      expect(seen).to.deep.equal(['m9', 'm8', 'm7', 'm6', 'm5', 'm4', 'm3', 'm2', 'm1', 'm0']);
    });

    it('answers an empty list for an unknown topic', async () => {
      tenMessages();
      expect(await payloads({ topic: 'nope', count: 0 })).to.deep.equal([]);
    });

    it('deletes what a query selects and returns the deleted records', async () => {
      const times = tenMessages();
      const deleted = await f.history.delete(SK, { topic: 't', count: 0, start: times[0], stop: times[1] });
      expect(deleted.map((r) => r.payload)).to.deep.equal(['m1', 'm0']);
      expect(await payloads({ topic: 't', count: 3, last: times[3] })).to.deep.equal(['m2']);
    });

    it('drops a topic from currentTopics once all its messages are deleted', async () => {
      f.publish('gone', 'x');
      f.publish('kept', 'y');
      await f.history.delete(SK, { topic: 'gone', count: 0 });
      expect(await f.history.currentTopics(SK)).to.deep.equal(['kept']);
    });

    it('deletes nothing for an unknown topic', async () => {
      expect(await f.history.delete(SK, { topic: 'nope', count: 0 })).to.deep.equal([]);
    });
  });
}

describe('history queries over many segments', () => {
  let f: HistoryFixture;
  beforeEach(async () => {
    f = await historyFixture({ maxCount: 1000, capture: { batchSize: 1 } });
    for (let i = 0; i < 50; i++) {
      f.publish('t', `m${String(i)}`);
      f.clock.advance(1000);
    }
  });
  afterEach(async () => {
    await f.close();
  });
  const names = (from: number, to: number) => {
    const out: string[] = [];
    for (let i = to; i >= from; i--) out.push(`m${String(i)}`);
    return out;
  };

  it('walks every segment for count=0, newest first', async () => {
    const all = await f.history.query(SK, { topic: 't', count: 0 });
    expect(all.map((r) => r.payload)).to.deep.equal(names(0, 49));
    expect(new Set(all.map((r) => r.id)).size).to.equal(50);
  });

  it('finds a window deep in the past', async () => {
    const t0 = f.clock.now() - 50_000;
    const r = await f.history.query(SK, { topic: 't', count: 0, start: t0 + 2000, stop: t0 + 4000 });
    expect(r.map((m) => m.payload)).to.deep.equal(['m4', 'm3', 'm2']);
  });

  it('deletes a window spanning segments and keeps ids of the rest stable', async () => {
    const t0 = f.clock.now() - 50_000;
    const before = await f.history.query(SK, { topic: 't', count: 1, last: t0 + 1000 });
    const gone = await f.history.delete(SK, { topic: 't', count: 0, start: t0 + 10_000, stop: t0 + 39_000 });
    expect(gone.map((m) => m.payload)).to.deep.equal(names(10, 39));
    const left = await f.history.query(SK, { topic: 't', count: 0 });
    expect(left.map((m) => m.payload)).to.deep.equal([...names(40, 49), ...names(0, 9)]);
    expect(left[left.length - 1].id).to.equal(before[0].id);
  });
});
