// Day partitions of `history_segments` on PostgreSQL (migration 013 made it RANGE-partitioned on
// `first_time`, epoch ms): created ahead and on demand, and dropped whole once every topic in a day is
// past its retention window — one DROP instead of millions of row deletes and the vacuum they leave.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../store/index.js';

export const DAY_MS = 86_400_000;

/** Advisory lock key of partition DDL: nodes creating the same day at once take turns. */
const PARTITION_LOCK = 0x15_0b_a2_13;

/** The UTC day number of an epoch-ms time. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** `history_segments_pYYYYMMDD` of a UTC day number. */
export function partitionName(day: number): string {
  return `history_segments_p${new Date(day * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The day a partition name stands for, or undefined for a name that is not one of ours. */
export function partitionDay(name: string): number | undefined {
  const m = /^history_segments_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  if (m === null) return undefined;
  return dayOf(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

/** Creates the partitions of `days` that do not exist yet (idempotent, safe when nodes race). */
export async function createPartitions(db: Kysely<Database>, days: readonly number[]): Promise<void> {
  for (const day of days) {
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${PARTITION_LOCK})`.execute(trx);
      await sql`CREATE TABLE IF NOT EXISTS ${sql.id(partitionName(day))} PARTITION OF history_segments FOR VALUES FROM (${sql.lit(day * DAY_MS)}) TO (${sql.lit((day + 1) * DAY_MS)})`.execute(
        trx,
      );
    });
  }
}

/** The days that have a partition, oldest first. */
export async function listPartitions(db: Kysely<Database>): Promise<number[]> {
  const { rows } = await sql<{ name: string }>`SELECT c.relname AS name FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = to_regclass('history_segments')`.execute(db);
  const days: number[] = [];
  for (const r of rows) {
    const day = partitionDay(r.name);
    if (day !== undefined) days.push(day);
  }
  return days.sort((a, b) => a - b);
}

/** Per topic: messages, payload bytes and newest message time held in one day's partition. */
interface DayTopic {
  readonly topic_id: number;
  readonly n: number;
  readonly b: number;
  readonly newest: number;
}

/** Per-topic totals of a day (an index-only scan: migration 013's index includes these columns). */
async function dayTotals(db: Kysely<Database>, day: number): Promise<DayTopic[]> {
  const { rows } =
    await sql<DayTopic>`SELECT topic_id, SUM(count) AS n, SUM(bytes) AS b, MAX(last_time) AS newest
    FROM ${sql.id(partitionName(day))} GROUP BY topic_id ORDER BY topic_id`.execute(db);
  return rows.map((r) => ({
    topic_id: Number(r.topic_id),
    n: Number(r.n),
    b: Number(r.b),
    newest: Number(r.newest),
  }));
}

/** True when every message of the day is older than its topic's cutoff (no cutoff: kept by count only). */
function expired(totals: readonly DayTopic[], cutoffs: ReadonlyMap<number, number>): boolean {
  return totals.every((t) => {
    const cutoff = cutoffs.get(t.topic_id);
    return cutoff !== undefined && t.newest < cutoff;
  });
}

/**
 * Drops a day's partition when all of it is past retention (`cutoffs`: topic id → epoch ms before which
 * its messages go). One transaction: the parent is locked first (the order readers and inserts take, so no
 * deadlock), the totals are read again under the lock, `history_topics` loses exactly them, then the
 * partition goes. Resolves with the messages dropped, or undefined when the day must stay.
 */
export async function dropExpiredPartition(
  db: Kysely<Database>,
  day: number,
  cutoffs: ReadonlyMap<number, number>,
): Promise<number | undefined> {
  // A first look without locks: most refusals cost nothing but this scan.
  if (!expired(await dayTotals(db, day), cutoffs)) return undefined;
  return db.transaction().execute(async (trx) => {
    await sql`SET LOCAL lock_timeout = '5s'`.execute(trx);
    await sql`LOCK TABLE history_segments, ${sql.id(partitionName(day))} IN ACCESS EXCLUSIVE MODE`.execute(
      trx,
    );
    const totals = await dayTotals(trx, day);
    if (!expired(totals, cutoffs)) return undefined;
    if (totals.length > 0) {
      await sql`UPDATE history_topics AS t SET row_count = t.row_count - v.n, bytes = t.bytes - v.b
        FROM unnest(${totals.map((t) => t.topic_id)}::int[], ${totals.map((t) => t.n)}::bigint[],
          ${totals.map((t) => t.b)}::bigint[]) AS v(id, n, b)
        WHERE t.topic_id = v.id`.execute(trx);
    }
    await sql`DROP TABLE ${sql.id(partitionName(day))}`.execute(trx);
    return totals.reduce((s, t) => s + t.n, 0);
  });
}
