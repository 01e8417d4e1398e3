// The dialect seam answers the same rows on SQLite and on PostgreSQL: pattern operators, their case rules,
// matching a number column, null ordering, and the column types of collections' item tables.
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { sql, type Kysely, type OrderByItemBuilder } from 'kysely';
import { createStore, type Store } from '../../../services/store/index.js';
import {
  columnType,
  dialectOf,
  isBadPattern,
  likeMatch,
  regexpMatch,
} from '../../../services/store/dialect.js';
import { tempDataDir } from '../../helpers/platform.js';
import { testPostgres } from '../../helpers/pg-test-mode.js';

interface T {
  t_rows: { id: number; s: string | null; n: number | null };
}

const ROWS = [
  { id: 1, s: 'Alpha', n: 10 },
  { id: 2, s: 'beta', n: null },
  { id: 3, s: 'ÉTÉ', n: 25 },
  { id: 4, s: null, n: 3 },
];

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`store dialect helpers on ${engine}`, function () {
    this.timeout(60_000);
    let store: Store;
    let db: Kysely<T>;
    let dir: string;
    before(async () => {
      dir = tempDataDir();
      const databaseUrl = engine === 'postgres' ? await (await testPostgres()).createDatabase() : undefined;
      store = await createStore({ dataDir: dir, databaseUrl });
      db = store.db as unknown as Kysely<T>;
      await db.schema
        .createTable('t_rows')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('s', 'text')
        .addColumn('n', columnType(store.dialect, 'integer'))
        .execute();
      await db.insertInto('t_rows').values(ROWS).execute();
    });
    after(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const ids = async (where: 's' | 'n', f: typeof regexpMatch, p: string) => {
      const rows = await db
        .selectFrom('t_rows')
        .select('id')
        .where((eb) => f(db, eb.ref(where), p))
        .orderBy('id')
        .execute();
      return rows.map((r) => r.id);
    };

    it('knows its engine from the builder', () => {
      expect(dialectOf(store.db)).to.equal(engine);
      expect(store.dialect).to.equal(engine);
    });

    it('RE matches with the same pattern syntax for the common cases, nulls never match', async () => {
      expect(await ids('s', regexpMatch, '^[ab]')).to.deep.equal([2]);
      expect(await ids('s', regexpMatch, 'a$')).to.deep.equal([1, 2]);
      expect(await ids('s', regexpMatch, '^[a-z]+$')).to.deep.equal([2]);
    });

    it('RE on a number column matches its decimal text', async () => {
      expect(await ids('n', regexpMatch, '^[12]')).to.deep.equal([1, 3]);
    });

    it('a JavaScript pattern PostgreSQL refuses is told apart from other failures (isBadPattern)', async () => {
      const outcome = await ids('s', regexpMatch, '^(?<first>b)').then(
        (found) => found,
        (err: unknown) => err,
      );
      if (engine === 'sqlite') expect(outcome).to.deep.equal([2]);
      else expect(isBadPattern(outcome), String(outcome)).to.equal(true);
      expect(isBadPattern(new Error('other'))).to.equal(false);
    });

    it('LIKE folds ASCII case as SQLite does', async () => {
      expect(await ids('s', likeMatch, 'a%')).to.deep.equal([1]);
      expect(await ids('s', likeMatch, '%ET%')).to.deep.equal([2]);
      expect(await ids('n', likeMatch, '%5')).to.deep.equal([3]);
    });

    it('sorts nulls first ascending and last descending when asked the portable way', async () => {
      const idsByN = async (order: (ob: OrderByItemBuilder) => OrderByItemBuilder) => {
        const rows = await db.selectFrom('t_rows').select('id').orderBy('n', order).execute();
        return rows.map((r) => r.id);
      };
      expect(await idsByN((ob) => ob.asc().nullsFirst())).to.deep.equal([2, 4, 1, 3]);
      expect(await idsByN((ob) => ob.desc().nullsLast())).to.deep.equal([3, 1, 4, 2]);
    });

    it('an integer column holds epoch ms past 2^31 and answers a number', async () => {
      await db.insertInto('t_rows').values({ id: 5, s: 'big', n: 1_700_000_000_000 }).execute();
      const row = await db.selectFrom('t_rows').select('n').where('id', '=', 5).executeTakeFirstOrThrow();
      expect(row.n).to.equal(1_700_000_000_000);
      const sum = await sql<{ total: number }>`select sum(n) as total from t_rows`.execute(db);
      expect(Number(sum.rows[0]?.total)).to.equal(1_700_000_000_038);
    });
  });
}
