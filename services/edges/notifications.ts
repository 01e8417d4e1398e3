// The sync topics of the seed ("Sync Topics"): what the platform publishes, in the system concerned, to
// let people watch deployments to edges. Payloads carry exactly the seed's fields.
import { EVENT_TOPICS } from '../../runtime-api/constants.js';

/** The kinds of asset the platform deploys to edges. */
export const ASSET_CLASSES = ['service', 'library', 'trigger', 'timer'] as const;
export type AssetClass = (typeof ASSET_CLASSES)[number];

/** `$notification/sync/status`: an asset was applied on (or removed from) an edge. */
export interface SyncStatus {
  readonly asset_class: string;
  readonly asset_id: string;
  readonly edge: string;
  /** `success` (applied), `removed`, or `pending` (the edge is offline; applied when it reconnects). */
  readonly status: 'success' | 'removed' | 'pending';
}

/** `$notification/sync/error`: an asset failed to apply on an edge. */
export interface SyncError {
  readonly asset_class: string;
  readonly asset_id: string;
  readonly edge: string;
  /** Where the change came from (`platform`) and where it failed (the edge name). */
  readonly originator: string;
  readonly destination: string;
  readonly message: string;
  /** The CRUD event being applied: `create`, `update` or `delete`. */
  readonly event: 'create' | 'update' | 'delete';
  /** RFC 3339. */
  readonly timestamp: string;
}

/** `$notification/sync/generic_error`: a failure before any sync took place (e.g. edge not found). */
export interface SyncGenericError {
  readonly table: string;
  readonly error: string;
}

/** A publish into one system, as the platform's broker offers it. */
export type SystemPublish = (systemKey: string, topic: string, payload: string) => Promise<void>;

/** Publishers of the three sync topics. */
export interface SyncNotifier {
  status(systemKey: string, body: SyncStatus): Promise<void>;
  error(systemKey: string, body: SyncError): Promise<void>;
  genericError(systemKey: string, body: SyncGenericError): Promise<void>;
}

/** Creates the notifier over a system publish. */
export function createSyncNotifier(publish: SystemPublish): SyncNotifier {
  return {
    status: (sk, body) => publish(sk, EVENT_TOPICS.syncStatus, JSON.stringify(body)),
    error: (sk, body) => publish(sk, EVENT_TOPICS.syncError, JSON.stringify(body)),
    genericError: (sk, body) => publish(sk, EVENT_TOPICS.syncGenericError, JSON.stringify(body)),
  };
}
