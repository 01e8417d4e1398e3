// services/history/README.md "Pages of bounded bytes": one history read or delete returns at most a page of payload bytes, so a query over
// hundreds of large messages never materialises them all; REST says where the next page starts.
import { expect } from 'chai';
import type { BrokerMessage } from '../../../broker/types.js';
import type { HistoryRecord } from '../../../services/history/query.js';
import { NEXT_PAGE_HEADER } from '../../../services/history/routes.js';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';
import { historyFixture, SK, type HistoryFixture } from './fixture.js';

const PAGE = 10_000;
const names = (records: readonly HistoryRecord[]): string[] => records.map((r) => r.payload.slice(0, 4));
const payload = (i: number, size = 3000): string => `m${String(i).padStart(3, '0')}`.padEnd(size, '.');

describe('history pages: bounded bytes per read', () => {
  let f: HistoryFixture;
  beforeEach(async () => {
    f = await historyFixture({ maxPageBytes: PAGE });
  });
  afterEach(() => f.close());

  /** Publishes `n` messages of `size` bytes, one ms apart unless `sameMs` says which share the previous ms. */
  const publishMany = (n: number, size = 3000, sameMs: (i: number) => boolean = () => false): void => {
    for (let i = 0; i < n; i++) {
      if (!sameMs(i)) f.clock.advance(1);
      f.publish('t', payload(i, size));
    }
  };

  /** Reads every page with `last = next` until the answer is complete. */
  async function readAll(count = 0): Promise<{ pages: HistoryRecord[][]; all: string[] }> {
    const pages: HistoryRecord[][] = [];
    let last: number | undefined;
    for (let guard = 0; guard < 100; guard++) {
      const page = await f.history.queryPage(SK, { topic: 't', count, last });
      pages.push(page.messages);
      if (page.next === undefined) break;
      last = page.next;
    }
    return { pages, all: pages.flatMap(names) };
  }

  it('answers at most the page bytes, newest first, with the next page cursor', async () => {
    publishMany(20);
    const first = await f.history.queryPage(SK, { topic: 't', count: 0 });
    expect(names(first.messages)).to.deep.equal(['m019', 'm018', 'm017']);
    expect(first.next).to.equal(first.messages[2].time_ms);
    const { pages, all } = await readAll();
    expect(all).to.deep.equal(Array.from({ length: 20 }, (_, i) => `m${String(19 - i).padStart(3, '0')}`));
    for (const page of pages) {
      expect(page.reduce((n, r) => n + r.payloadsize, 0)).to.be.at.most(PAGE);
    }
  });

  it('gives no cursor when count, not bytes, ended the answer, nor when everything fit', async () => {
    publishMany(5);
    expect((await f.history.queryPage(SK, { topic: 't', count: 2 })).next).to.equal(undefined);
    const small = await historyFixture({ maxPageBytes: 1_000_000 });
    try {
      for (let i = 0; i < 5; i++) small.publish('t', payload(i));
      const page = await small.history.queryPage(SK, { topic: 't', count: 0 });
      expect(page.messages).to.have.length(5);
      expect(page.next).to.equal(undefined);
    } finally {
      await small.close();
    }
  });

  it('hands messages of the millisecond a page ends on to the next page (none skipped)', async () => {
    // m1..m3 share one millisecond; the page bound falls inside it.
    publishMany(6, 3000, (i) => i === 2 || i === 3);
    const first = await f.history.queryPage(SK, { topic: 't', count: 0 });
    expect(names(first.messages)).to.deep.equal(['m005', 'm004']);
    const { all } = await readAll();
    expect([...all].sort()).to.deep.equal(['m000', 'm001', 'm002', 'm003', 'm004', 'm005']);
    expect(new Set(all).size).to.equal(6);
  });

  it('answers a single message larger than the page on its own', async () => {
    publishMany(3, 25_000);
    const { pages } = await readAll();
    expect(pages.map((p) => p.length)).to.deep.equal([1, 1, 1]);
  });

  it('keeps the count bound inside a page and applies the window', async () => {
    publishMany(10);
    const page = await f.history.queryPage(SK, { topic: 't', count: 2 });
    expect(names(page.messages)).to.deep.equal(['m009', 'm008']);
  });

  it('deletes at most a page per call; repeating it deletes the rest', async () => {
    publishMany(10);
    const deleted: string[] = [];
    for (let guard = 0; guard < 20; guard++) {
      const d = await f.history.delete(SK, { topic: 't', count: 0 });
      if (d.length === 0) break;
      expect(d.reduce((n, r) => n + r.payloadsize, 0)).to.be.at.most(PAGE);
      deleted.push(...names(d));
    }
    expect(deleted).to.have.length(10);
    expect(await f.history.query(SK, { topic: 't', count: 0 })).to.deep.equal([]);
  });
});

describe('history REST: the next-page header', () => {
  let tp: TestPlatform;
  let systemKey: string;
  let devToken: string;
  before(async () => {
    tp = await startTestPlatform({ overrides: { 'history.maxPageBytes': 4096 } });
    const { identity } = tp.platform;
    devToken = (await identity.loginDeveloper('admin@test.local', 'admin-pass-1')).token;
    const dev = await identity.developerByEmail('admin@test.local');
    if (dev === undefined) throw new Error('no developer');
    systemKey =
      identity.systemsOf(dev.id)[0]?.systemKey ??
      (await identity.createSystem(dev.id, { name: 'h' })).systemKey;
    const base = Date.now() - 10_000;
    for (let i = 0; i < 6; i++) {
      const m: BrokerMessage = {
        systemKey,
        topic: 'big/+/x',
        payload: Buffer.from(payload(i, 1500)),
        qos: 1,
        retain: false,
        publisher: { kind: 'device', id: 'd', name: 'd', systemKey },
        address: '192.0.2.1',
        hop: 0,
        time: base + i,
      };
      tp.platform.history.capture.capture(m);
    }
  });
  after(() => tp.close({ removeData: true }));

  it('pages a large history over REST with x-isobar-history-next-last as the next last', async () => {
    const seen: string[] = [];
    let last = '';
    for (let guard = 0; guard < 10; guard++) {
      const res = await fetch(`${tp.url}/api/v/1/message/${systemKey}?topic=big/+/x&count=0${last}`, {
        headers: { 'ClearBlade-DevToken': devToken },
      });
      expect(res.status).to.equal(200);
      const page = (await res.json()) as HistoryRecord[];
      expect(page.length).to.be.at.most(2);
      seen.push(...names(page));
      const next = res.headers.get(NEXT_PAGE_HEADER);
      if (next === null) break;
      expect(Number(next)).to.equal(page[page.length - 1].time_ms);
      last = `&last=${next}`;
    }
    expect(seen).to.deep.equal(['m005', 'm004', 'm003', 'm002', 'm001', 'm000']);
  });
});
