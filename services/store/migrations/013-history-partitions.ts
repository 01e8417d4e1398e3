import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

const DAY_MS = 86_400_000;

/** `history_segments_pYYYYMMDD`, as services/history/storage/pg-partitions.ts names a UTC day. */
function partitionName(day: number): string {
  return `history_segments_p${new Date(day * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/**
 * PostgreSQL only: `history_segments` becomes RANGE-partitioned by day on `first_time`, so retention drops
 * a whole day instead of deleting its rows (services/history/README.md). Rows 003's table already holds
 * move over with their ids. The index includes the columns retention sums, for index-only scans. SQLite
 * keeps 003's table: nothing to do there.
 */
export const historyPartitions013: Migration = {
  async up(db: Kysely<unknown>) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`ALTER TABLE history_segments RENAME TO history_segments_003`.execute(db);
    await sql`ALTER INDEX history_segments_topic_time RENAME TO history_segments_003_topic_time`.execute(db);
    await sql`CREATE SEQUENCE history_segments_ids AS bigint`.execute(db);
    // The primary key must hold the partition key; ids come from one sequence, so `id` alone is unique.
    await sql`CREATE TABLE history_segments (
      id bigint NOT NULL DEFAULT nextval('history_segments_ids'),
      topic_id integer NOT NULL,
      first_time bigint NOT NULL,
      last_time bigint NOT NULL,
      count integer NOT NULL,
      bytes integer NOT NULL,
      data bytea NOT NULL,
      PRIMARY KEY (id, first_time)
    ) PARTITION BY RANGE (first_time)`.execute(db);
    await sql`ALTER SEQUENCE history_segments_ids OWNED BY history_segments.id`.execute(db);
    await sql`CREATE INDEX history_segments_topic_time ON history_segments (topic_id, first_time)
      INCLUDE (last_time, count, bytes)`.execute(db);
    const { rows } = await sql<{ day: number | string }>`SELECT DISTINCT floor(first_time / ${sql.lit(
      DAY_MS,
    )})::bigint AS day FROM history_segments_003`.execute(db);
    for (const { day } of rows) {
      const d = Number(day);
      await sql`CREATE TABLE ${sql.id(partitionName(d))} PARTITION OF history_segments
        FOR VALUES FROM (${sql.lit(d * DAY_MS)}) TO (${sql.lit((d + 1) * DAY_MS)})`.execute(db);
    }
    await sql`INSERT INTO history_segments (id, topic_id, first_time, last_time, count, bytes, data)
      SELECT id, topic_id, first_time, last_time, count, bytes, data FROM history_segments_003`.execute(db);
    await sql`SELECT setval('history_segments_ids', COALESCE((SELECT MAX(id) FROM history_segments), 0) + 1, false)`.execute(
      db,
    );
    await sql`DROP TABLE history_segments_003`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`ALTER TABLE history_segments RENAME TO history_segments_013`.execute(db);
    await sql`ALTER INDEX history_segments_topic_time RENAME TO history_segments_013_topic_time`.execute(db);
    await sql`CREATE TABLE history_segments (id bigserial PRIMARY KEY, topic_id integer NOT NULL,
      first_time bigint NOT NULL, last_time bigint NOT NULL, count integer NOT NULL, bytes integer NOT NULL,
      data bytea NOT NULL)`.execute(db);
    await sql`CREATE INDEX history_segments_topic_time ON history_segments (topic_id, first_time)`.execute(
      db,
    );
    await sql`INSERT INTO history_segments SELECT id, topic_id, first_time, last_time, count, bytes, data
      FROM history_segments_013`.execute(db);
    await sql`SELECT setval(pg_get_serial_sequence('history_segments', 'id'),
      COALESCE((SELECT MAX(id) FROM history_segments), 0) + 1, false)`.execute(db);
    await sql`DROP TABLE history_segments_013`.execute(db);
  },
};
