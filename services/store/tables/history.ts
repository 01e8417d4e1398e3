// Message history tables. Times are epoch milliseconds. A topic of a system gets a small integer id once;
// its messages are stored in segments, one row per capture batch and topic, indexed by (topic_id,
// first_time). The byte layout and the engine that reads and writes them live in services/history/storage/.
import type { Generated } from 'kysely';

export interface HistoryTopicsTable {
  topic_id: Generated<number>;
  system_key: string;
  topic: string;
  /** Messages and payload bytes currently stored for this topic; kept in step by the writer's transactions. */
  row_count: number;
  bytes: number;
}

export interface HistorySegmentsTable {
  id: Generated<number>;
  topic_id: number;
  first_time: number;
  last_time: number;
  count: number;
  /** Payload bytes of the messages in `data`. */
  bytes: number;
  data: Buffer;
}

export interface HistorySettingsTable {
  system_key: string;
  /** JSON `StorageFilter[]`; null = never configured (store every topic with the default bound). */
  storage: string | null;
  /** JSON `AutoDelete`; null = never configured (disabled). */
  autodelete: string | null;
}

export interface HistoryTables {
  history_topics: HistoryTopicsTable;
  history_segments: HistorySegmentsTable;
  history_settings: HistorySettingsTable;
}
