// Pages of a topic's segments through the store's query builder, newest first: what the history reader
// (query.ts, on either database) and the PostgreSQL writer's range delete (pg-writer.ts) both walk.
import type { Kysely } from 'kysely';
import type { Database } from '../../store/index.js';
import type { FullSegment, HistoryRange, SegmentRow } from './walk.js';

/** The columns of a segment row with its counters. */
export const SEGMENT_COLUMNS = ['id', 'first_time', 'last_time', 'count', 'bytes', 'data'] as const;

/** Rows as SQLite hands them: numbers (the store parses int8; this keeps a bare pool right too). */
export function full(r: {
  id: number;
  first_time: number;
  last_time: number;
  count: number;
  bytes: number;
  data: Buffer;
}): FullSegment {
  return {
    id: Number(r.id),
    first_time: Number(r.first_time),
    last_time: Number(r.last_time),
    count: Number(r.count),
    bytes: Number(r.bytes),
    data: r.data,
  };
}

/**
 * Up to `limit` segments of a topic that may hold messages of `range`, newest first (by first_time, then
 * id), after the segment `after` (undefined: from the newest).
 */
export async function segmentsNewestFirst(
  db: Kysely<Database>,
  topicId: number,
  range: HistoryRange,
  after: SegmentRow | undefined,
  limit: number,
): Promise<FullSegment[]> {
  let q = db.selectFrom('history_segments').select(SEGMENT_COLUMNS).where('topic_id', '=', topicId);
  if (range.before !== undefined) q = q.where('first_time', '<', range.before);
  if (range.to !== undefined) q = q.where('first_time', '<=', range.to);
  if (after !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb('first_time', '<', after.first_time),
        eb.and([eb('first_time', '=', after.first_time), eb('id', '<', after.id)]),
      ]),
    );
  }
  const rows = await q.orderBy('first_time', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(full);
}
