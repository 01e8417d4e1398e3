import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { createOutbox } from '../../../services/edges/outbox.js';
import { createStore, type Store } from '../../../services/store/index.js';
import { tempDataDir } from '../../helpers/platform.js';

describe('edges/outbox', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = tempDataDir();
    store = await createStore({ dataDir: dir });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps messages in arrival order, also when adds are not awaited', async () => {
    const outbox = createOutbox(store, { now: () => 0 });
    const adds = [];
    for (let i = 0; i < 50; i++) adds.push(outbox.add(`t/${String(i)}/_platform`, Buffer.from(String(i)), 1));
    await Promise.all(adds);
    const all = await outbox.next(0, 100);
    expect(all.map((e) => e.payload.toString())).to.deep.equal(adds.map((_, i) => String(i)));
    expect(all[0]).to.include({ topic: 't/0/_platform', qos: 1 });
    const later = await outbox.next(all[9].seq, 5);
    expect(later.map((e) => e.payload.toString())).to.deep.equal(['10', '11', '12', '13', '14']);
  });

  it('survives a restart of the store', async () => {
    await createOutbox(store, { now: () => 0 }).add('a/_platform', Buffer.from('kept'), 2);
    await store.close();
    store = await createStore({ dataDir: dir });
    const [entry] = await createOutbox(store, { now: () => 0 }).next(0, 10);
    expect(entry).to.include({ topic: 'a/_platform', qos: 2 });
    expect(entry.payload.toString()).to.equal('kept');
  });

  it('drops the oldest past its limit and reports it', async () => {
    const dropped: number[] = [];
    const outbox = createOutbox(store, { now: () => 0, limit: 3, onOverflow: (n) => dropped.push(n) });
    for (let i = 0; i < 5; i++) await outbox.add('t/_platform', Buffer.from(String(i)), 0);
    expect(await outbox.size()).to.equal(3);
    expect((await outbox.next(0, 10)).map((e) => e.payload.toString())).to.deep.equal(['2', '3', '4']);
    expect(dropped).to.deep.equal([1, 1]);
  });

  it('removes delivered entries', async () => {
    const outbox = createOutbox(store, { now: () => 0 });
    await outbox.add('t/_platform', Buffer.from('x'), 1);
    const [e] = await outbox.next(0, 1);
    await outbox.remove(e.seq);
    expect(await outbox.size()).to.equal(0);
  });
});
