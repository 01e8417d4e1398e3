import { expect } from 'chai';
import { planRetention } from '../../../services/history/retention.js';
import { AUTODELETE_OFF } from '../../../services/history/settings.js';
import { historyFixture, SK, type HistoryFixture } from './fixture.js';

describe('history retention', () => {
  let f: HistoryFixture;
  afterEach(async () => {
    await f.close();
  });
  const count = async (topic: string) => (await f.history.query(SK, { topic, count: 0 })).length;

  it('keeps only the newest max_rows messages of a filter', async () => {
    f = await historyFixture();
    await f.history.setStorage(SK, [{ topic: 'a/#', max_rows: 3, max_time: 0 }]);
    for (let i = 0; i < 10; i++) f.publish('a/1', `m${i}`);
    await f.history.retention.runOnce();
    const left = await f.history.query(SK, { topic: 'a/1', count: 0 });
    expect(left.map((r) => r.payload)).to.deep.equal(['m9', 'm8', 'm7']);
  });

  it('trims inside a segment, keeping its newest messages', async () => {
    f = await historyFixture({ capture: { batchSize: 4 } });
    await f.history.setStorage(SK, [{ topic: '#', max_rows: 6, max_time: 0 }]);
    for (let i = 0; i < 12; i++) f.publish('t', `m${String(i)}`);
    await f.history.retention.runOnce();
    const left = await f.history.query(SK, { topic: 't', count: 0 });
    expect(left.map((r) => r.payload)).to.deep.equal(['m11', 'm10', 'm9', 'm8', 'm7', 'm6']);
  });

  it('expires part of a segment by time', async () => {
    f = await historyFixture({ capture: { batchSize: 1000 } });
    await f.history.setStorage(SK, [{ topic: '#', max_rows: 0, max_time: 10 }]);
    for (let i = 0; i < 6; i++) {
      f.publish('t', `m${String(i)}`);
      f.clock.advance(4000);
    }
    // now = t0 + 24 s: m0..m3 (t0..t0+12 s) are older than 10 s
    await f.history.retention.runOnce();
    const left = await f.history.query(SK, { topic: 't', count: 0 });
    expect(left.map((r) => r.payload)).to.deep.equal(['m5', 'm4']);
  });

  it('bounds every topic of an unconfigured system by the default max_rows', async () => {
    f = await historyFixture({ defaultMaxRows: 2 });
    for (let i = 0; i < 5; i++) f.publish('x', `m${i}`);
    await f.history.retention.runOnce();
    expect(await count('x')).to.equal(2);
  });

  it('expires messages older than max_time when the clock moves on', async () => {
    f = await historyFixture({ retention: { intervalMs: 1000 } });
    await f.history.setStorage(SK, [{ topic: '#', max_rows: 0, max_time: 60 }]);
    f.publish('t', 'old');
    f.clock.advance(30_000);
    f.publish('t', 'new');
    await f.history.capture.flush();
    f.clock.advance(31_000); // 'old' is now 61 s old; the timer fires a pass
    await f.history.retention.runOnce();
    const left = await f.history.query(SK, { topic: 't', count: 0 });
    expect(left.map((r) => r.payload)).to.deep.equal(['new']);
  });

  it('runs passes on the injected clock', async () => {
    f = await historyFixture({ retention: { intervalMs: 1000 } });
    await f.history.setStorage(SK, [{ topic: '#', max_rows: 1, max_time: 0 }]);
    f.publish('t', 'a');
    f.publish('t', 'b');
    await f.history.capture.flush();
    f.clock.advance(1000);
    await f.history.retention.runOnce(); // joins the pass the timer started
    expect(await count('t')).to.equal(1);
  });

  it('deletes at most the budget per pass and catches up over later passes', async () => {
    f = await historyFixture({ retention: { budget: 4, chunk: 2 } });
    await f.history.setStorage(SK, [{ topic: '#', max_rows: 1, max_time: 0 }]);
    for (let i = 0; i < 10; i++) f.publish('t', `m${i}`);
    expect(await f.history.retention.runOnce()).to.equal(4);
    expect(await count('t')).to.equal(6);
    await f.history.retention.runOnce();
    await f.history.retention.runOnce();
    expect(await count('t')).to.equal(1);
  });

  it('applies the system auto-delete age to every topic', async () => {
    f = await historyFixture();
    await f.history.setStorage(SK, [{ topic: '#', max_rows: 0, max_time: 0 }]);
    await f.history.setAutodelete(SK, {
      enabled: true,
      max_rows: 0,
      max_size_kb: 0,
      expiration_age_seconds: 10,
    });
    f.publish('a', 'old');
    f.publish('b', 'old');
    f.clock.advance(11_000);
    f.publish('a', 'new');
    await f.history.retention.runOnce();
    expect(await count('a')).to.equal(1);
    expect(await f.history.currentTopics(SK)).to.deep.equal(['a']);
  });

  it('trims a system over its auto-delete max_rows across topics', async () => {
    f = await historyFixture();
    await f.history.setStorage(SK, [{ topic: '#', max_rows: 0, max_time: 0 }]);
    await f.history.setAutodelete(SK, {
      enabled: true,
      max_rows: 10,
      max_size_kb: 0,
      expiration_age_seconds: 0,
    });
    for (let i = 0; i < 10; i++) {
      f.publish('a', `a${i}`);
      f.publish('b', `b${i}`);
    }
    await f.history.retention.runOnce();
    expect((await count('a')) + (await count('b'))).to.equal(10);
    expect((await f.history.query(SK, { topic: 'a', count: 1 }))[0].payload).to.equal('a9');
  });

  it('trims a system over its auto-delete max_size_kb', async () => {
    f = await historyFixture();
    await f.history.setStorage(SK, [{ topic: '#', max_rows: 0, max_time: 0 }]);
    await f.history.setAutodelete(SK, {
      enabled: true,
      max_rows: 0,
      max_size_kb: 2,
      expiration_age_seconds: 0,
    });
    for (let i = 0; i < 8; i++) f.publish('a', Buffer.alloc(512, i));
    await f.history.retention.runOnce();
    expect(await count('a')).to.equal(4);
  });

  it('leaves everything when auto-delete is off and no bound applies', () => {
    const steps = planRetention(
      [{ topicId: 1, systemKey: SK, topic: 't', rows: 1e6, bytes: 1e9, oldest: 0 }],
      {
        filterFor: () => ({ topic: '#', max_rows: 0, max_time: 0 }),
        autodelete: () => AUTODELETE_OFF,
      },
      Date.now(),
      1000,
    );
    expect(steps).to.deep.equal([]);
  });

  it('keeps settings across a restart', async () => {
    f = await historyFixture();
    await f.history.setStorage(SK, [{ topic: 'k/#', max_rows: 5, max_time: 7 }]);
    await f.history.setAutodelete(SK, {
      enabled: true,
      max_rows: 1,
      max_size_kb: 2,
      expiration_age_seconds: 3,
    });
    await f.close({ keepData: true });
    f = await historyFixture({}, { dataDir: f.dataDir });
    expect(f.history.storage(SK)).to.deep.equal([{ topic: 'k/#', max_rows: 5, max_time: 7 }]);
    expect(f.history.autodelete(SK)).to.deep.equal({
      enabled: true,
      max_rows: 1,
      max_size_kb: 2,
      expiration_age_seconds: 3,
    });
  });

  it('refuses an invalid storage filter with CB_ERR_HISTORY_BAD_SETTINGS', async () => {
    f = await historyFixture();
    const err = await f.history
      .setStorage(SK, [{ topic: 'a/#/b', max_rows: 1, max_time: 0 }])
      .catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_HISTORY_BAD_SETTINGS');
  });
});
