import { expect } from 'chai';
import type { Caller, HostContext } from '../../../engine/types.js';
import type { HistoryRecord } from '../../../services/history/query.js';
import { historyFixture, SK, type HistoryFixture } from './fixture.js';

function ctx(runAs: Partial<Caller>): HostContext {
  return {
    service: {
      systemKey: SK,
      name: 'svc',
      version: 1,
      code: '',
      executionTimeout: 60,
      memoryLimitMb: 64,
      concurrency: 1,
      autoRestart: false,
      loggingEnabled: false,
    },
    runAs: { kind: 'user', id: 'reader', name: 'r@x', token: 't', systemKey: SK, ...runAs },
    instanceId: 'i1',
    hop: 0,
  };
}

describe('history bridge ops', () => {
  let f: HistoryFixture;
  const payloads = (v: unknown) => (v as HistoryRecord[]).map((r) => r.payload);

  beforeEach(async () => {
    f = await historyFixture({}, { levels: { reader: 1, deleter: 9 } });
    for (let i = 0; i < 5; i++) {
      f.publish('t', `m${i}`);
      f.clock.advance(1000);
    }
  });
  afterEach(async () => {
    await f.close();
  });

  it('getMessageHistory(topic, start, count) returns `count` messages before `start` (epoch s)', async () => {
    const before = (f.clock.now() - 2000) / 1000; // m3 was published 2 s ago
    const r = await f.history.ops['history.get'](ctx({}), ['t', before, 2]);
    expect(payloads(r)).to.deep.equal(['m2', 'm1']);
  });

  it('getMessageHistoryWithTimeFrame(topic, count, last, start, stop) applies the window', async () => {
    const t0 = f.clock.now() - 5000;
    const r = await f.history.ops['history.getWithTimeFrame'](ctx({}), [
      't',
      0,
      -1,
      (t0 + 1000) / 1000,
      (t0 + 2000) / 1000,
    ]);
    expect(payloads(r)).to.deep.equal(['m2', 'm1']);
  });

  it('getAndDeleteMessageHistory deletes and returns the messages with msgHistory delete', async () => {
    const r = await f.history.ops['history.getAndDelete'](ctx({ id: 'deleter' }), ['t', 2, -1, -1, -1]);
    expect(payloads(r)).to.deep.equal(['m4', 'm3']);
    expect(payloads(await f.history.ops['history.get'](ctx({}), ['t', 0, 0]))).to.deep.equal([
      'm2',
      'm1',
      'm0',
    ]);
  });

  it('getCurrentTopics lists the stored topics', async () => {
    expect(await f.history.ops['history.currentTopics'](ctx({}), [])).to.deep.equal(['t']);
  });

  it('refuses a run-as identity without the permission bit with CB_ERR_HISTORY_FORBIDDEN', async () => {
    const read = await f.history.ops['history.get'](ctx({ id: 'stranger' }), ['t', 0, 1]).catch(
      (e: unknown) => e,
    );
    expect(read).to.have.property('code', 'CB_ERR_HISTORY_FORBIDDEN');
    const del = await f.history.ops['history.getAndDelete'](ctx({}), ['t', 1, -1, -1, -1]).catch(
      (e: unknown) => e,
    );
    expect(del).to.have.property('code', 'CB_ERR_HISTORY_FORBIDDEN');
  });

  it('lets a service running as a developer do everything', async () => {
    const r = await f.history.ops['history.getAndDelete'](ctx({ kind: 'developer', id: 'dev' }), [
      't',
      1,
      -1,
      -1,
      -1,
    ]);
    expect(payloads(r)).to.deep.equal(['m4']);
  });

  it('refuses a bad count from user code with CB_ERR_HISTORY_BAD_QUERY', async () => {
    const err = await f.history.ops['history.get'](ctx({}), ['t', 0, 'many']).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_HISTORY_BAD_QUERY');
  });
});
