// The editor routes over real HTTP: a dry-run check answers every error with its position and saves
// nothing; stream services are started, restarted and stopped as a whole.
import { expect } from 'chai';
import { useCodeWorld } from './world.js';

interface Diagnostic {
  severity: string;
  line: number;
  column: number;
  message: string;
}

/** The first diagnostic of a check answer. */
function first(body: Record<string, unknown>): Diagnostic {
  const list = body.diagnostics as Diagnostic[];
  const d = list[0];
  if (d === undefined) throw new Error('no diagnostic');
  return d;
}

describe('code editor routes', () => {
  const w = useCodeWorld('test');

  it('checks a source with a syntax error: the error with line and column, and no version saved', async () => {
    const r = await w.asDev('POST', `/admin/code/v/1/${w.systemKey}/Draft/check`, {
      code: 'function Draft(req, resp) {\n  resp.success(;\n}',
    });
    expect(r.status).to.equal(200);
    expect(r.body.ok).to.equal(false);
    expect(first(r.body)).to.include({ severity: 'error', line: 2, column: 16 });
    const gone = await w.asDev('GET', `/api/v/1/code/${w.systemKey}/Draft`);
    expect(gone.body.code).to.equal('CB_ERR_CODE_SERVICE_UNKNOWN');
  });

  it('checks TypeScript and imports: a clean source is ok, an unlisted import is an error', async () => {
    const ok = await w.asDev('POST', `/admin/code/v/1/${w.systemKey}/Typed/check`, {
      code: 'export default function Typed(req: CbServer.BasicReq, resp: CbServer.Resp): void { resp.success(1); }',
    });
    expect(ok.body).to.deep.equal({ ok: true, diagnostics: [] });
    const bad = await w.asDev('POST', `/admin/code/v/1/${w.systemKey}/Typed/check`, {
      code: 'import x from "lodash";\nexport default function Typed(req, resp) { resp.success(x); }',
    });
    expect(bad.body.ok).to.equal(false);
    expect(first(bad.body)).to.include({ line: 1 });
    expect(first(bad.body).message).to.match(/cannot import "lodash"/);
  });

  it('refuses a check without a developer token of the system', async () => {
    const r = await w.http('POST', `/admin/code/v/1/${w.systemKey}/X/check`, { body: { code: '' } });
    expect(r.body.code).to.equal('CB_ERR_AUTH_MISSING_TOKEN');
  });

  it('stops and starts a stream service as a whole; a micro service cannot be started', async () => {
    const sk = w.systemKey;
    const created = await w.asDev('POST', `/admin/code/v/1/${sk}/Loop`, {
      // A stream service runs until it returns: this one waits for messages until it is stopped.
      code: `function Loop(req, resp) {
        var m = ClearBlade.Messaging();
        m.subscribe("t/loop", function () {});
        while (true) m.waitForMessage(["t/loop"], function () {});
      }`,
      execution_timeout: -1,
      concurrency: 2,
    });
    expect(created.status).to.equal(200);
    const names = async () =>
      Object.values(
        (await w.asDev('GET', `/codeadmin/v/3/running/${sk}`)).body as Record<string, { name: string }>,
      ).map((i) => i.name);
    expect(await names()).to.deep.equal(['Loop', 'Loop']);
    expect((await w.asDev('POST', `/codeadmin/v/3/running/${sk}/Loop/stop`)).body).to.deep.equal({
      name: 'Loop',
      action: 'stop',
    });
    expect(await names()).to.deep.equal([]);
    expect((await w.asDev('POST', `/codeadmin/v/3/running/${sk}/Loop/start`)).status).to.equal(200);
    expect(await names()).to.deep.equal(['Loop', 'Loop']);
    await w.asDev('POST', `/admin/code/v/1/${sk}/Micro`, {
      code: 'function Micro(req, resp) { resp.success(1); }',
    });
    const micro = await w.asDev('POST', `/codeadmin/v/3/running/${sk}/Micro/start`);
    expect(micro.status).to.equal(400);
    expect(micro.body.code).to.equal('CB_ERR_CODE_NOT_STREAM');
    const none = await w.asDev('POST', `/codeadmin/v/3/running/${sk}/Nope/stop`);
    expect(none.body.code).to.equal('CB_ERR_CODE_SERVICE_UNKNOWN');
  });
});
