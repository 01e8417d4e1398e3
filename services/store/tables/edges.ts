import type { Generated } from 'kysely';

// Times are epoch milliseconds.

/** Platform side: one registered edge of a system. */
export interface EdgesTable {
  system_key: string;
  name: string;
  /** sha256 of the edge token; the token is shown once at creation (and on reset) and never stored. */
  token_hash: string;
  description: string;
  created_at: number;
  /** First and most recent time the edge connected; null before its first connection. */
  first_talked: number | null;
  last_talked: number | null;
}

/** Platform side: which assets are deployed to which edge. */
export interface EdgeDeploymentsTable {
  system_key: string;
  edge: string;
  asset_class: string;
  asset_id: string;
  added_at: number;
}

/** Edge side: messages waiting for the uplink, delivered in `seq` order. */
export interface EdgeOutboxTable {
  seq: Generated<number>;
  topic: string;
  payload: Buffer;
  qos: number;
  created_at: number;
}

/** Edge side: what the platform deployed here, so a reconnect re-applies only what changed. */
export interface EdgeAppliedTable {
  system_key: string;
  asset_class: string;
  asset_id: string;
  /** sha256 of the applied definition. */
  hash: string;
  applied_at: number;
}

export interface EdgeTables {
  edges: EdgesTable;
  edge_deployments: EdgeDeploymentsTable;
  edge_outbox: EdgeOutboxTable;
  edge_applied: EdgeAppliedTable;
}
