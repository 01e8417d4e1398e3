// A real SQLite store in a temp dir with one developer and one system, for registry tests.
import { rmSync } from 'node:fs';
import { createStore, type Store } from '../../../services/store/index.js';
import { testDatabaseUrl } from '../../helpers/pg-test-mode.js';
import { tempDataDir } from '../../helpers/platform.js';

export const SYSTEM_KEY = 'aaaabbbbccccddddeeeeffff000011';
export const DEVELOPER_ID = 'dev-1';

export interface TestStore {
  readonly store: Store;
  readonly dataDir: string;
  /** Closes the store; the data dir is kept when `keep` (restart tests reopen it). */
  close(keep?: boolean): Promise<void>;
}

/** Opens (or reopens) a store and makes sure the test developer and system exist. */
export async function openTestStore(dataDir = tempDataDir()): Promise<TestStore> {
  const store = await createStore({ dataDir, databaseUrl: await testDatabaseUrl(dataDir) });
  const dev = await store.db
    .selectFrom('developers')
    .select('id')
    .where('id', '=', DEVELOPER_ID)
    .executeTakeFirst();
  if (dev === undefined) {
    await store.db
      .insertInto('developers')
      .values({
        id: DEVELOPER_ID,
        email: 'dev@test.local',
        password_hash: 'x',
        fname: '',
        lname: '',
        org: '',
        created_at: 0,
      })
      .execute();
    await store.db
      .insertInto('systems')
      .values({
        system_key: SYSTEM_KEY,
        system_secret: 'SECRET',
        owner_id: DEVELOPER_ID,
        name: 'test',
        description: '',
        token_ttl: 3600,
        duplicate_client_id: 'reject',
        created_at: 0,
      })
      .execute();
  }
  return {
    store,
    dataDir,
    async close(keep = false) {
      await store.close();
      if (!keep) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
