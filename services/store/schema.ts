// The database type: one interface per area, merged here. Add a table by adding it to its area's file.
import type { IdentityTables } from './tables/identity.js';
import type { CodeTables } from './tables/code.js';
import type { TriggerTables } from './tables/triggers.js';
import type { HistoryTables } from './tables/history.js';
import type { EdgeTables } from './tables/edges.js';
import type { CacheHttpTables } from './tables/caches-http.js';
import type { CollectionTables } from './tables/collections.js';

export interface Database
  extends
    IdentityTables,
    CodeTables,
    TriggerTables,
    HistoryTables,
    EdgeTables,
    CacheHttpTables,
    CollectionTables {}
