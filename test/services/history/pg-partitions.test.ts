// History on PostgreSQL (services/history/README.md "PostgreSQL"): day partitions exist for the day a
// message lands in (and the next), retention drops a whole expired day and deletes rows where a day must
// stay, and two writers on one database (two nodes) keep the topic counters exact. Always on PostgreSQL:
// a server from test/helpers/servers.ts, whatever ISOBAR_TEST_PG says.
import { expect } from 'chai';
import { Migrator, sql } from 'kysely';
import { encodeSegment } from '../../../services/history/storage/segments.js';
import { migrationProvider } from '../../../services/store/migrations/index.js';
import { openPostgres } from '../../../services/store/postgres.js';
import { createManualClock } from '../../../services/kernel/clock.js';
import {
  DAY_MS,
  dayOf,
  listPartitions,
  partitionName,
} from '../../../services/history/storage/pg-partitions.js';
import { historyFixture, SK, type HistoryFixture } from './fixture.js';
import { historyPostgres } from './pg.js';

describe('history on PostgreSQL: day partitions', function () {
  this.timeout(60_000);
  const fixtures: HistoryFixture[] = [];
  let databaseUrl: string;

  beforeEach(async () => {
    databaseUrl = await (await historyPostgres()).createDatabase();
  });
  afterEach(async () => {
    for (const f of fixtures.splice(0)) await f.close();
  });

  const open = async (init: Parameters<typeof historyFixture>[1] = {}) => {
    const f = await historyFixture({}, { databaseUrl, ...init });
    fixtures.push(f);
    return f;
  };
  const rowsIn = async (f: HistoryFixture, day: number) => {
    const { rows } = await sql<{ n: number }>`SELECT COALESCE(SUM(count), 0) AS n FROM ${sql.id(
      partitionName(day),
    )}`.execute(f.store.db);
    return Number(rows[0].n);
  };
  const counters = async (f: HistoryFixture, topic: string) =>
    f.store.db
      .selectFrom('history_topics')
      .select(['row_count', 'bytes'])
      .where('system_key', '=', SK)
      .where('topic', '=', topic)
      .executeTakeFirstOrThrow();

  it('stores a message in the partition of its day, with the next day made ahead', async () => {
    const f = await open();
    expect(f.store.dialect).to.equal('postgres');
    const day = dayOf(f.clock.now());
    // made at start, before any message
    expect(await listPartitions(f.store.db)).to.deep.equal([day, day + 1]);
    f.publish('plant/1', 'hello');
    expect((await f.history.query(SK, { topic: 'plant/1', count: 0 })).map((r) => r.payload)).to.deep.equal([
      'hello',
    ]);
    await f.history.retention.runOnce();
    const days = await listPartitions(f.store.db);
    expect(days).to.include.members([day, day + 1]);
    expect(await rowsIn(f, day)).to.equal(1);
    expect(await counters(f, 'plant/1')).to.deep.equal({ row_count: 1, bytes: 5 });
  });

  it('drops a whole day once every topic in it is past its max_time, keeping counters exact', async () => {
    const f = await open();
    await f.history.setStorage(SK, [{ topic: '#', max_rows: 0, max_time: 3600 }]);
    const day0 = dayOf(f.clock.now());
    for (let i = 0; i < 5; i++) f.publish('a', `old${String(i)}`);
    f.publish('b', 'old-b');
    await f.history.capture.flush();
    f.clock.advance(2 * DAY_MS);
    f.publish('a', 'new');
    const dropped = await f.history.retention.runOnce();
    expect(dropped).to.equal(6);
    const days = await listPartitions(f.store.db);
    expect(days).to.not.include(day0);
    expect(days).to.include.members([day0 + 2, day0 + 3]);
    expect((await f.history.query(SK, { topic: 'a', count: 0 })).map((r) => r.payload)).to.deep.equal([
      'new',
    ]);
    expect(await counters(f, 'a')).to.deep.equal({ row_count: 1, bytes: 3 });
    expect(await counters(f, 'b')).to.deep.equal({ row_count: 0, bytes: 0 });
    expect(await f.history.currentTopics(SK)).to.deep.equal(['a']);
  });

  it('keeps a day a topic without max_time still needs, deleting the expired rows in it instead', async () => {
    const f = await open();
    await f.history.setStorage(SK, [
      { topic: 'short', max_rows: 0, max_time: 60 },
      { topic: 'kept', max_rows: 100, max_time: 0 },
    ]);
    const day0 = dayOf(f.clock.now());
    f.publish('short', 's1');
    f.publish('kept', 'k1');
    await f.history.capture.flush();
    f.clock.advance(2 * DAY_MS);
    expect(await f.history.retention.runOnce()).to.equal(1);
    expect(await listPartitions(f.store.db)).to.include(day0);
    expect(await f.history.query(SK, { topic: 'short', count: 0 })).to.deep.equal([]);
    expect((await f.history.query(SK, { topic: 'kept', count: 0 })).map((r) => r.payload)).to.deep.equal([
      'k1',
    ]);
    expect(await rowsIn(f, day0)).to.equal(1);
    expect(await counters(f, 'short')).to.deep.equal({ row_count: 0, bytes: 0 });
  });

  it('migration 013 moves rows of the plain table into day partitions, keeping their ids', async () => {
    const db = openPostgres(databaseUrl);
    try {
      const migrator = new Migrator({ db, provider: migrationProvider });
      expect((await migrator.migrateTo('012-timer-timezone')).error).to.equal(undefined);
      const t0 = Date.UTC(2025, 5, 1, 23, 59);
      await db
        .insertInto('history_topics')
        .values({ system_key: SK, topic: 'm', row_count: 2, bytes: 2 })
        .execute();
      const seg = (time: number, payload: string) => ({
        topic_id: 1,
        first_time: time,
        last_time: time,
        count: 1,
        bytes: 1,
        data: encodeSegment([{ seq: 0, time, qos: 0, userId: 'u', ip: '', payload: Buffer.from(payload) }]),
      });
      await db
        .insertInto('history_segments')
        .values([seg(t0, 'x'), seg(t0 + 120_000, 'y')])
        .execute();
      expect((await migrator.migrateToLatest()).error).to.equal(undefined);
      expect(await listPartitions(db)).to.deep.equal([dayOf(t0), dayOf(t0) + 1]);
      const moved = await db
        .selectFrom('history_segments')
        .select(['id', 'first_time'])
        .orderBy('id')
        .execute();
      expect(moved).to.deep.equal([
        { id: 1, first_time: t0 },
        { id: 2, first_time: t0 + 120_000 },
      ]);
      // the sequence goes on after the moved ids
      await db.insertInto('history_segments').values(seg(t0, 'z')).execute();
      const ids = await db.selectFrom('history_segments').select('id').orderBy('id').execute();
      expect(ids.map((r) => r.id)).to.deep.equal([1, 2, 3]);
    } finally {
      await db.destroy();
    }
  });

  it('two writers on one database (two nodes) keep a shared topic counter exact', async () => {
    const clock = createManualClock();
    const a = await open({ clock });
    const b = await open({ clock });
    const n = 400;
    for (let i = 0; i < n; i++) {
      // Small batches from both at once: their transactions interleave on the same counter row.
      a.publish('shared', `a${String(i)}`);
      b.publish('shared', `b${String(i)}`);
      if (i % 50 === 49) await Promise.all([a.history.capture.flush(), b.history.capture.flush()]);
    }
    await Promise.all([a.history.capture.flush(), b.history.capture.flush()]);
    const stored = await a.history.query(SK, { topic: 'shared', count: 0 });
    expect(stored).to.have.length(2 * n);
    expect(new Set(stored.map((r) => r.id)).size).to.equal(2 * n);
    const c = await counters(a, 'shared');
    expect(c.row_count).to.equal(2 * n);
    expect(c.bytes).to.equal(stored.reduce((s, r) => s + r.payloadsize, 0));
  });
});
