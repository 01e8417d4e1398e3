import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createCaches, type Caches } from '../../../services/cache/caches.js';
import { createManualClock, type ManualClock } from '../../../services/kernel/clock.js';
import { createStore, type Store } from '../../../services/store/index.js';
import { testDatabaseUrl } from '../../helpers/pg-test-mode.js';

const SK = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa01';
const LIMITS = { maxValueBytes: 64, maxEntries: 3, maxPerSystem: 2 };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('shared caches (definitions in the store, entries in memory)', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let caches: Caches;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'isobar-cache-'));
    store = await createStore({ dataDir: dir, databaseUrl: await testDatabaseUrl(dir) });
    clock = createManualClock();
    caches = createCaches(LIMITS, { store, clock });
    await caches.load();
    await caches.create(SK, { name: 'c', ttl: 10 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('expires an entry after the cache default TTL, and a per-entry TTL overrides it', () => {
    caches.set(SK, 'c', 'a', '1', undefined, false);
    caches.set(SK, 'c', 'b', '2', 30, false);
    clock.advance(10_001);
    expect(caches.getEntry(SK, 'c', 'a')).to.equal(undefined);
    expect(caches.getEntry(SK, 'c', 'b')).to.equal('2');
    expect(caches.getAll(SK, 'c')).to.deep.equal({ b: '2' });
  });

  it('setnx sets only when no live entry exists', () => {
    expect(caches.set(SK, 'c', 'k', '"x"', undefined, true)).to.equal(true);
    expect(caches.set(SK, 'c', 'k', '"y"', undefined, true)).to.equal(false);
    expect(caches.getEntry(SK, 'c', 'k')).to.equal('"x"');
    clock.advance(10_001);
    expect(caches.set(SK, 'c', 'k', '"z"', undefined, true)).to.equal(true);
  });

  it('refuses a value over the size bound with CB_ERR_CACHE_VALUE_TOO_LARGE', () => {
    const err = thrown(() => caches.set(SK, 'c', 'k', JSON.stringify('x'.repeat(100)), undefined, false));
    expect(err).to.have.property('code', 'CB_ERR_CACHE_VALUE_TOO_LARGE');
    expect(caches.getEntry(SK, 'c', 'k')).to.equal(undefined);
  });

  it('refuses a new key past the entry bound with CB_ERR_CACHE_FULL, after sweeping expired entries', () => {
    for (const k of ['a', 'b', 'c']) caches.set(SK, 'c', k, '1', undefined, false);
    expect(thrown(() => caches.set(SK, 'c', 'd', '1', undefined, false))).to.have.property(
      'code',
      'CB_ERR_CACHE_FULL',
    );
    caches.set(SK, 'c', 'a', '2', undefined, false); // an existing key may still change
    clock.advance(10_001);
    caches.set(SK, 'c', 'd', '1', undefined, false); // expired ones made room
    expect(caches.getAll(SK, 'c')).to.deep.equal({ d: '1' });
  });

  it('setMultiple is all or nothing', () => {
    const err = thrown(() =>
      caches.setMultiple(
        SK,
        'c',
        [
          ['a', '1'],
          ['b', JSON.stringify('y'.repeat(100))],
        ],
        undefined,
      ),
    );
    expect(err).to.have.property('code', 'CB_ERR_CACHE_VALUE_TOO_LARGE');
    expect(caches.getAll(SK, 'c')).to.deep.equal({});
  });

  it('bounds the caches of a system (CB_ERR_CACHE_TOO_MANY) and refuses duplicates and bad names', async () => {
    await caches.create(SK, { name: 'second' });
    const tooMany = await caches.create(SK, { name: 'third' }).catch((e: unknown) => e);
    expect(tooMany).to.have.property('code', 'CB_ERR_CACHE_TOO_MANY');
    const dup = await caches.create(SK, { name: 'c' }).catch((e: unknown) => e);
    expect(dup).to.have.property('code', 'CB_ERR_CACHE_EXISTS');
    const badName = await caches.create('other', { name: 'a b' }).catch((e: unknown) => e);
    expect(badName).to.have.property('code', 'CB_ERR_CACHE_BAD_INPUT');
    expect(thrown(() => caches.getEntry(SK, 'nope', 'k'))).to.have.property('code', 'CB_ERR_CACHE_UNKNOWN');
  });

  it('keeps definitions across a restart (entries are per node and start empty)', async () => {
    caches.set(SK, 'c', 'a', '1', undefined, false);
    const again = createCaches(LIMITS, { store, clock });
    await again.load();
    expect(again.get(SK, 'c')).to.include({ name: 'c', ttl: 10 });
    expect(again.getAll(SK, 'c')).to.deep.equal({});
  });
});
