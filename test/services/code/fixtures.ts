import vm from 'node:vm';
import { rmSync } from 'node:fs';
import { createStore, type Store } from '../../../services/store/index.js';
import { testDatabaseUrl } from '../../helpers/pg-test-mode.js';
import { createManualClock, type ManualClock } from '../../../services/kernel/clock.js';
import { createLibraries, type Libraries } from '../../../services/code/libraries.js';
import { createRegistry, type Registry, type RegistryOptions } from '../../../services/code/registry.js';
import { tempDataDir } from '../../helpers/platform.js';

export const SYSTEM_KEY = 'aaaabbbbccccddddeeeeffff000011';
export const OTHER_SYSTEM = 'aaaabbbbccccddddeeeeffff000022';

/** A real store in a temp dir with two systems and one user, for registry-level tests. */
export interface CodeFixture {
  readonly store: Store;
  readonly clock: ManualClock;
  readonly libraries: Libraries;
  readonly registry: Registry;
  close(): Promise<void>;
}

/** Opens a store, seeds a developer with two systems, builds libraries and registry over it. */
export async function codeFixture(options: Partial<RegistryOptions> = {}): Promise<CodeFixture> {
  const dataDir = tempDataDir();
  const store = await createStore({ dataDir, databaseUrl: await testDatabaseUrl(dataDir) });
  const clock = createManualClock();
  await store.db
    .insertInto('developers')
    .values({ id: 'dev1', email: 'd@x', password_hash: 'x', fname: '', lname: '', org: '', created_at: 0 })
    .execute();
  for (const sk of [SYSTEM_KEY, OTHER_SYSTEM]) {
    await store.db
      .insertInto('systems')
      .values({
        system_key: sk,
        system_secret: sk.toUpperCase(),
        owner_id: 'dev1',
        name: sk,
        description: '',
        token_ttl: 3600,
        duplicate_client_id: 'reject',
        created_at: 0,
      })
      .execute();
  }
  const libraries = createLibraries({ store, clock });
  const registry = createRegistry({ store, clock, libraries, ...options });
  return {
    store,
    clock,
    libraries,
    registry,
    async close() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs a bundle in a node:vm context (tests only, trusted code): returns what the service answered. */
export function runBundle(bundle: string, name: string, params: unknown = {}): unknown {
  let answer: unknown;
  const context = vm.createContext({});
  vm.runInContext(bundle, context);
  const service = (context as Record<string, unknown>)[name];
  if (typeof service !== 'function') throw new Error(`bundle defines no function ${name}`);
  service(
    { params },
    {
      success: (x: unknown) => (answer = x),
      error: (x: unknown) => (answer = { error: x }),
    },
  );
  return answer;
}
