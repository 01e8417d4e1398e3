import type { Migration, MigrationProvider } from 'kysely';
import { identity001 } from './001-identity.js';
import { code002 } from './002-code.js';
import { history003 } from './003-history.js';
import { triggers004 } from './004-triggers.js';
import { edges005 } from './005-edges.js';
import { codeAuthors006 } from './006-code-authors.js';
import { settings007 } from './007-settings.js';
import { serviceWasm008 } from './008-service-wasm.js';
import { strictIsolation009 } from './009-strict-isolation.js';
import { cachesHttp011 } from './011-caches-http.js';
import { timerTimezone012 } from './012-timer-timezone.js';
import { collections010 } from './010-collections.js';
import { historyPartitions013 } from './013-history-partitions.js';

/** Versioned migrations, applied in key order at start. Never edit a landed one; add the next. */
const migrations: Record<string, Migration> = {
  '001-identity': identity001,
  '002-code': code002,
  '003-history': history003,
  '004-triggers': triggers004,
  '005-edges': edges005,
  '006-code-authors': codeAuthors006,
  '007-settings': settings007,
  '008-service-wasm': serviceWasm008,
  '009-strict-isolation': strictIsolation009,
  '011-caches-http': cachesHttp011,
  '010-collections': collections010,
  '012-timer-timezone': timerTimezone012,
  '013-history-partitions': historyPartitions013,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
