import { expect } from 'chai';
import { historyFixture, OTHER_SK, SK, type HistoryFixture } from './fixture.js';

describe('history capture', () => {
  let f: HistoryFixture;
  afterEach(async () => {
    await f.close();
  });

  it('stores every topic of a system with no storage settings, with publisher, address, QoS and time', async () => {
    f = await historyFixture();
    f.publish('sensors/7/temp', '21.5', { qos: 1 });
    f.publish('other/topic', 'x');
    const [rec] = await f.history.query(SK, { topic: 'sensors/7/temp', count: 0 });
    expect(rec).to.include({
      topicid: 'sensors/7/temp',
      payload: '21.5',
      message: '21.5',
      payloadsize: 4,
      qos: 1,
      userid: 'u1',
      'user-id': 'u1',
      ip: '10.0.0.1',
      time_ms: f.clock.now(),
      time: Math.floor(f.clock.now() / 1000),
    });
    expect(await f.history.currentTopics(SK)).to.deep.equal(['other/topic', 'sensors/7/temp']);
  });

  it('does not store $-topics under the default every-topic filter', async () => {
    f = await historyFixture();
    f.publish('$trigger/messaging/publish', '{}');
    expect(await f.history.currentTopics(SK)).to.deep.equal([]);
  });

  it('stores only topics matching the storage filters once they are set', async () => {
    f = await historyFixture();
    await f.history.setStorage(SK, [{ topic: 'sensors/+/temp', max_rows: 0, max_time: 0 }]);
    f.publish('sensors/7/temp', 'a');
    f.publish('sensors/7/humidity', 'b');
    f.publish('alerts/7', 'c');
    expect(await f.history.currentTopics(SK)).to.deep.equal(['sensors/7/temp']);
  });

  it('stores nothing for a system whose storage list is empty', async () => {
    f = await historyFixture();
    await f.history.setStorage(SK, []);
    f.publish('sensors/7/temp', 'a');
    expect(await f.history.currentTopics(SK)).to.deep.equal([]);
  });

  it('keeps systems apart', async () => {
    f = await historyFixture();
    f.publish('t', 'mine');
    f.publish('t', 'theirs', { systemKey: OTHER_SK });
    const mine = await f.history.query(SK, { topic: 't', count: 0 });
    expect(mine.map((r) => r.payload)).to.deep.equal(['mine']);
  });

  it('writes a batch as soon as it reaches batchSize, without waiting for a read', async () => {
    f = await historyFixture({ capture: { batchSize: 3, flushMs: 60_000 } });
    for (let i = 0; i < 3; i++) f.publish('t', String(i));
    expect(f.history.capture.stats()).to.include({ captured: 3, pending: 3 });
    await f.history.capture.flush();
    expect(f.history.capture.stats()).to.include({ written: 3, pending: 0 });
  });

  it('writes a partial batch when the flush timer fires', async () => {
    f = await historyFixture({ capture: { batchSize: 1000, flushMs: 50 } });
    f.publish('t', 'x');
    f.clock.advance(50);
    await f.history.capture.flush();
    expect(f.history.capture.stats()).to.include({ written: 1 });
  });

  it('drops and counts messages beyond maxPending, logging one warning', async () => {
    f = await historyFixture({ capture: { maxPending: 2, batchSize: 1000 } });
    for (let i = 0; i < 5; i++) f.publish('t', String(i));
    expect(f.history.capture.stats()).to.include({ captured: 2, dropped: 3 });
    expect(f.log.lines.filter((l) => l.msg.startsWith('history buffer full'))).to.have.length(1);
    expect(await f.history.query(SK, { topic: 't', count: 0 })).to.have.length(2);
  });

  it('keeps binary payloads byte for byte and offers them as base64', async () => {
    f = await historyFixture();
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0x00]);
    f.publish('bin', bytes);
    f.publish('text', 'héllo');
    const [bin] = await f.history.query(SK, { topic: 'bin', count: 0 });
    expect(bin.payloadsize).to.equal(6);
    expect(Buffer.from(bin.payload_base64 ?? '', 'base64').equals(bytes)).to.equal(true);
    const [text] = await f.history.query(SK, { topic: 'text', count: 0 });
    expect(text.payload).to.equal('héllo');
    expect(text).not.to.have.property('payload_base64');
  });

  it('keeps large batches whose payloads outgrow the first buffer', async () => {
    f = await historyFixture({ capture: { batchSize: 100_000 } });
    const big = Buffer.alloc(40 * 1024, 7);
    for (let i = 0; i < 5; i++) f.publish('big', big);
    const recs = await f.history.query(SK, { topic: 'big', count: 0 });
    expect(recs.map((r) => r.payloadsize)).to.deep.equal([40960, 40960, 40960, 40960, 40960]);
  });

  it('keeps history across a restart on the same data dir', async () => {
    f = await historyFixture();
    f.publish('t', 'before restart');
    await f.close({ keepData: true });
    f = await historyFixture({}, { dataDir: f.dataDir });
    const recs = await f.history.query(SK, { topic: 't', count: 0 });
    expect(recs.map((r) => r.payload)).to.deep.equal(['before restart']);
  });

  it('flushes what it buffered when closed', async () => {
    f = await historyFixture({ capture: { flushMs: 60_000 } });
    f.publish('t', 'last words');
    await f.close({ keepData: true });
    f = await historyFixture({}, { dataDir: f.dataDir });
    expect(await f.history.query(SK, { topic: 't', count: 0 })).to.have.length(1);
  });

  it('forgets a deleted system', async () => {
    f = await historyFixture();
    f.publish('t', 'x');
    await f.history.capture.flush();
    f.events.emit('system.deleted', { systemKey: SK });
    await f.history.close?.();
    await f.store.close();
    f = await historyFixture({}, { dataDir: f.dataDir });
    expect(await f.history.currentTopics(SK)).to.deep.equal([]);
  });
});
