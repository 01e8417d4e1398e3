import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const TYPES = fileURLToPath(new URL('../../runtime-api/types/index.d.ts', import.meta.url));

/** Type-checks `source` as a service file against the shipped .d.ts only (no DOM, no Node types). */
function check(source: string): string[] {
  const file = '/virtual/service.ts';
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => (name === file ? source : read(name));
  host.fileExists = (name) => name === file || exists(name);
  host.getSourceFile = (name, lang) =>
    name === file ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang);
  const program = ts.createProgram([TYPES, file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('runtime API: the .d.ts for service authors', function () {
  this.timeout(30000);

  it('types a ClearBlade-style service using every implemented function', () => {
    const source = `
      function Everything(req: CbServer.BasicReq<{ lhs: number; rhs: number }>, resp: CbServer.Resp): void {
        ClearBlade.init({ request: req });
        ClearBlade.init({ systemKey: req.systemKey, systemSecret: req.systemSecret, email: 'a', password: 'b' });
        const m = ClearBlade.Messaging();
        m.publish('t', 'x');
        m.publish('t', new ArrayBuffer(2), 1, true);
        m.subscribe('t', (err, data) => log(err, data));
        m.unsubscribe('t');
        m.waitForMessage(['t'], (err, msg, topic) => log(JSON.parse(msg), topic.length));
        m.getMessageHistory('t', 0, 10, (err, data) => log(data));
        m.getMessageHistoryWithTimeFrame('t', 1, 2, 3, 4, () => {});
        m.getAndDeleteMessageHistory('t', 1, 2, 3, 4, () => {});
        m.getCurrentTopics(() => {});
        m.setTimeout(10, 't', 'x', (err, id) => m.cancelCBTimeout(id, () => {}));
        m.setInterval(10, 't', 'x', 3, (err, id) => m.cancelCBInterval(id, () => {}));
        ClearBlade.Code().execute('Other', { a: 1 }, true, (err, data) => log(data));
        ClearBlade.Code().execute('Other', {}, (err, data) => log(data));
        ClearBlade.Trigger.Create('t1', { def_module: 'Messaging', def_name: 'Publish', key_value_pairs: { topic: 'a' }, service_name: 'S' }, (e, t) => t.Delete(() => {}));
        ClearBlade.Timer.Fetch('tm', (e, t) => t.Update({ frequency: 5 }, () => {}));
        const id: string = newUUID();
        sleep(1);
        const edge: boolean = ClearBlade.isEdge() && cbmeta.is_edge;
        log(id, edge, ClearBlade.edgeId(), req.params.lhs + req.params.rhs, req.caller.userEmail, req.service_instance_id);
        resp.set({ 'X-A': '1' });
        resp.status(200);
        resp.success(req.params.lhs + req.params.rhs);
      }
      void Everything;
    `;
    expect(check(source)).to.deep.equal([]);
  });

  it('rejects wrong use (a number topic, a missing callback argument)', () => {
    const errors = check(
      `ClearBlade.Messaging().publish(1, 'x'); ClearBlade.Messaging().getCurrentTopics();`,
    );
    expect(errors).to.have.length(2);
  });

  it('types Collections, Query, Item, Cache, Requests() and fetch as a service uses them', () => {
    const source = `
      async function Data(req: CbServer.BasicReq<{ uri: string }>, resp: CbServer.Resp): Promise<void> {
        const col = ClearBlade.Collection({ collectionName: 'readings' });
        col.create([{ sensor: 'a', value: 1 }], (err, ids) => log(ids[0].item_id));
        const q = ClearBlade.Query().equalTo('sensor', 'a').greaterThan('value', 0).like('sensor', 'a%')
          .in('value', [1, 2]).matches('sensor', '^a').descending('value').setPage(10, 1).columns(['value']);
        col.fetch(q, (err, data) => log(data.TOTAL, data.DATA[0].value, data.CURRENTPAGE));
        col.fetch((err, data) => log(data.DATA.length));
        col.count(q.or(ClearBlade.Query().equalTo('sensor', 'b')), (err, n) => log(n.count));
        col.update({ FILTERS: [[{ EQ: [{ sensor: 'a' }] }]] }, { value: 2 }, (err, n) => log(n.count));
        col.columns((err, cols) => log(cols.map((c) => c.ColumnName + c.ColumnType + String(c.PK))));
        ClearBlade.Query({ collectionID: 'x' }).notEqualTo('a', 1).fetch((err, d) => log(d.DATA));
        const item = ClearBlade.Item({ item_id: 'i', value: 3 }, 'x');
        item.save(() => item.refresh((err, d) => item.destroy(() => log(d))));
        const cache = ClearBlade.Cache('state');
        cache.set('k', { n: 1 }, 60, (err, msg) => cache.get('k', (e, v) => log(msg, v)));
        Requests().post({ uri: req.params.uri, body: '{}', headers: { a: 'b' }, timeout: 5 }, (err, body) => {
          if (err !== null) log(err.code, err.status);
          log(body);
        });
        const r = await fetch(req.params.uri, { method: 'POST', body: 'x', headers: [['a', 'b']] });
        const text: string = await r.text();
        resp.success({ status: r.status, ok: r.ok, type: r.headers.get('content-type'), text });
      }
      void Data;
    `;
    expect(check(source)).to.deep.equal([]);
  });

  it('rejects wrong use of Collections and fetch (a number column name, a missing callback, a bad redirect)', () => {
    const errors = check(`
      ClearBlade.Query().equalTo(1, 'x');
      ClearBlade.Collection('x').columns();
      void fetch('http://a', { redirect: 'sometimes' });
    `);
    expect(errors).to.have.length(3);
  });
});
