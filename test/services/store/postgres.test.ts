// The store on PostgreSQL: migrations under the advisory lock when nodes start together, rows that look
// as they do on SQLite, and the same tables and columns on both engines.
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { sql } from 'kysely';
import pg from 'pg';
import { createStore, type Store } from '../../../services/store/index.js';
import { migrationProvider } from '../../../services/store/migrations/index.js';
import { tempDataDir } from '../../helpers/platform.js';
import { testPostgres } from '../../helpers/pg-test-mode.js';

/** Table name → its column names, sorted, from an engine's catalogue. */
async function columnsOf(store: Store): Promise<Record<string, string[]>> {
  const rows =
    store.dialect === 'postgres'
      ? (
          await sql<{ t: string; c: string }>`select table_name as t, column_name as c
            from information_schema.columns where table_schema = 'public'`.execute(store.db)
        ).rows
      : (
          await sql<{ t: string; c: string }>`select m.name as t, p.name as c
            from sqlite_master m join pragma_table_info(m.name) p where m.type = 'table'`.execute(store.db)
        ).rows;
  const out: Record<string, string[]> = {};
  for (const r of rows) {
    if (r.t.startsWith('kysely_') || r.t.startsWith('sqlite_')) continue;
    (out[r.t] ??= []).push(r.c);
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

describe('store on PostgreSQL', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  const stores: Store[] = [];
  const open = async (databaseUrl?: string) => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const store = await createStore({ dataDir, databaseUrl });
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('three stores opened together on one empty database all start, and the migrations ran once', async () => {
    const url = await (await testPostgres()).createDatabase();
    const [a] = await Promise.all([open(url), open(url), open(url)]);
    expect(a.dialect).to.equal('postgres');
    const applied = await a.db
      .selectFrom('kysely_migration' as never)
      .select(sql<string>`name`.as('name'))
      .execute();
    const expected = Object.keys(await migrationProvider.getMigrations()).sort();
    expect(applied.map((r) => r.name).sort()).to.deep.equal(expected);
  });

  it('creates the same tables and columns as SQLite', async () => {
    const onPg = await open(await (await testPostgres()).createDatabase());
    const onSqlite = await open();
    expect(onSqlite.dialect).to.equal('sqlite');
    expect(await columnsOf(onPg)).to.deep.equal(await columnsOf(onSqlite));
  });

  it('leaves the DDL SQLite always had: the dialect-neutral migrations change nothing there', async () => {
    const store = await open();
    const ddl = await sql<{ name: string; sql: string }>`select name, sql from sqlite_master
      where name in ('tokens', 'code_logs', 'history_segments', 'timers', 'edge_outbox', 'collections')`.execute(
      store.db,
    );
    const of = (name: string) => ddl.rows.find((r) => r.name === name)?.sql ?? '';
    for (const t of ['tokens', 'code_logs', 'edge_outbox']) {
      expect(of(t)).to.contain('"seq" integer primary key autoincrement');
    }
    expect(of('history_segments')).to.contain('"data" blob not null');
    expect(of('edge_outbox')).to.contain('"payload" blob not null');
    expect(of('timers')).to.contain('"frequency" real not null');
    expect(of('collections')).to.contain('"created_at" integer not null');
  });

  it('answers int8 epoch ms and counts as numbers, bytea as a Buffer, and keeps 8-byte reals', async () => {
    const store = await open(await (await testPostgres()).createDatabase());
    const big = 4_102_444_800_123; // 2100-01-01, past 2^32
    await store.db
      .insertInto('developers')
      .values({ id: 'd', email: 'd@x', password_hash: 'x', fname: '', lname: '', org: '', created_at: big })
      .execute();
    const dev = await store.db.selectFrom('developers').select('created_at').executeTakeFirstOrThrow();
    expect(dev.created_at).to.equal(big);
    const n = await store.db
      .selectFrom('developers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(n.n).to.equal(1);
    const payload = Buffer.from([0, 1, 2, 255]);
    await store.db
      .insertInto('edge_outbox')
      .values({ topic: 't', payload, qos: 1, created_at: big })
      .execute();
    const out = await store.db.selectFrom('edge_outbox').select(['seq', 'payload']).executeTakeFirstOrThrow();
    expect(Buffer.isBuffer(out.payload)).to.equal(true);
    expect(Buffer.compare(out.payload, payload)).to.equal(0);
    expect(out.seq).to.equal(1);
    await store.db
      .insertInto('systems')
      .values({
        system_key: 'sk',
        system_secret: 's',
        owner_id: 'd',
        name: 'n',
        description: '',
        token_ttl: 60,
        duplicate_client_id: 'reject',
        created_at: big,
      })
      .execute();
    await store.db
      .insertInto('timers')
      .values({
        system_key: 'sk',
        name: 't',
        description: '',
        start_time: big,
        repeats: 0,
        frequency: 0.1 + 0.2,
        cron: null,
        service_name: '',
        creator_kind: 'developer',
        creator_id: 'd',
        runs: 0,
        last_run: null,
        created_at: big,
        updated_at: big,
        timezone: 'UTC',
      })
      .execute();
    const timer = await store.db.selectFrom('timers').select('frequency').executeTakeFirstOrThrow();
    expect(timer.frequency).to.equal(0.1 + 0.2);
  });

  it('refuses a database it cannot reach with the driver error, not a half-open store', async () => {
    const server = await testPostgres();
    const err = await open(`${server.baseUrl}/no_such_db`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(pg.DatabaseError);
    expect((err as pg.DatabaseError).code).to.equal('3D000'); // invalid_catalog_name
  });
});
