// Triggers and timers. Times are epoch milliseconds; JSON columns hold text parsed by services/automation.

/** Who created a trigger or timer: timers run as this developer (or user) unless the service has a run_user. */
export type CreatorKind = 'developer' | 'user' | 'device';

export interface TriggersTable {
  system_key: string;
  name: string;
  def_module: string;
  def_name: string;
  /** JSON object of string filters. */
  key_value_pairs: string;
  service_name: string;
  creator_kind: CreatorKind;
  creator_id: string;
  created_at: number;
  updated_at: number;
}

export interface TimersTable {
  system_key: string;
  name: string;
  description: string;
  /** Epoch ms of the first run. */
  start_time: number;
  /** -1 forever, 0 once, n = n runs after the first. */
  repeats: number;
  /** Seconds between runs; 0 for cron or once-only timers. */
  frequency: number;
  /** Cron expression (croner, standard syntax), or null. */
  cron: string | null;
  /** IANA zone the cron fields are read in ('UTC' by default; migration 012). */
  timezone: string;
  /** '' = the timer only publishes `$timer/<name>`. */
  service_name: string;
  creator_kind: CreatorKind;
  creator_id: string;
  /** Runs made so far (bounded by repeats). */
  runs: number;
  last_run: number | null;
  created_at: number;
  updated_at: number;
}

export interface TriggerTables {
  triggers: TriggersTable;
  timers: TimersTable;
}
