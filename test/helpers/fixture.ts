// One mocha fixture a suite shares: started in a before (or beforeEach) hook, stopped after, read through one
// object. Suites then declare `const w = useFixture(...)` instead of a `let` per field and a pair of hooks each.

/** When the fixture starts: once for the suite, or afresh for every test. */
export type FixtureScope = 'suite' | 'test';

/**
 * Registers the hooks that start and stop a fixture and answers a view of the live one, so the same set-up and
 * tear-down is written once; reading the view outside a test (or after a failed start) throws.
 */
export function useFixture<T extends object>(
  start: () => Promise<T>,
  stop: (fixture: T) => Promise<unknown>,
  scope: FixtureScope = 'suite',
): T {
  let live: T | undefined;
  const current = (): T => {
    if (live === undefined) throw new Error('the fixture is read outside the tests it was started for');
    return live;
  };
  (scope === 'suite' ? before : beforeEach)(async () => {
    live = await start();
  });
  (scope === 'suite' ? after : afterEach)(async () => {
    const ending = live;
    live = undefined;
    if (ending !== undefined) await stop(ending);
  });
  return new Proxy({} as T, { get: (_target, key) => Reflect.get(current(), key) as unknown });
}

/**
 * For tests that each start their own fixture (their own options, or a restart on the same data): answers a
 * `start` that keeps the one started last and stops it after the test, so no suite repeats that bookkeeping.
 * One a test stopped itself before starting the next is not stopped again.
 */
export function startedPerTest<A extends unknown[], T>(
  start: (...args: A) => Promise<T>,
  stop: (fixture: T) => Promise<unknown>,
): (...args: A) => Promise<T> {
  let latest: T | undefined;
  afterEach(async () => {
    const ending = latest;
    latest = undefined;
    if (ending !== undefined) await stop(ending);
  });
  return async (...args) => {
    const started = await start(...args);
    latest = started;
    return started;
  };
}
