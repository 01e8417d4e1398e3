// Service logs over REST: kept per run for log_ttl_minutes (on a manual clock), per instance, the switch.
import { expect } from 'chai';
import { createManualClock, type ManualClock } from '../../../services/kernel/clock.js';
import { codeWorld, type CodeWorld } from './world.js';

describe('code logs over REST', () => {
  let w: CodeWorld;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = createManualClock(Date.now());
    w = await codeWorld({ clock });
  });
  afterEach(() => w.close());

  const dev = (method: string, path: string, body?: unknown) =>
    w.http(method, path, { body, token: w.devToken });

  it('keeps the logs of each run for log_ttl_minutes and serves them per instance', async () => {
    const sk = w.systemKey;
    await dev('POST', `/admin/code/v/1/${sk}/Logger`, {
      code: 'function Logger(req, resp) { log("hello " + req.params.n); console.error("oops"); resp.success(1); }',
      logging_enabled: true,
      log_ttl_minutes: 1,
    });
    expect((await dev('GET', `/codeadmin/v/2/logs/${sk}/Logger/active`)).body).to.deep.equal({
      logging_enabled: 'true',
    });
    const ran = await dev('POST', `/api/v/1/code/${sk}/Logger?id=run-a`, { n: 1 });
    // The service's own switch returns logs too.
    expect(ran.body.logs).to.equal('hello 1\noops');
    await dev('POST', `/api/v/1/code/${sk}/Logger?id=run-b`, { n: 2 });
    const list = await dev('GET', `/codeadmin/v/2/logs/${sk}/Logger`);
    const rows = list.body as unknown as Array<{
      log: string;
      service_instance_id: string;
      service_execution_time: string;
    }>;
    expect(rows.map((r) => [r.service_instance_id, r.log])).to.deep.equal([
      ['run-b', 'hello 2\noops'],
      ['run-a', 'hello 1\noops'],
    ]);
    expect(rows[0].service_execution_time).to.equal(new Date(clock.now()).toISOString());
    const one = await dev('GET', `/codeadmin/v/2/logs/${sk}/Logger/run-a`);
    expect(one.body).to.include({ log: 'hello 1\noops', success: true });
    expect((one.body.lines as Array<{ level: string }>).map((l) => l.level)).to.deep.equal(['info', 'error']);
    clock.advance(61_000);
    expect((await dev('GET', `/codeadmin/v/2/logs/${sk}/Logger`)).body).to.deep.equal([]);
    expect((await dev('GET', `/codeadmin/v/2/logs/${sk}/Logger/run-a`)).body.code).to.equal(
      'CB_ERR_CODE_INSTANCE_UNKNOWN',
    );
  });

  it("turns logging off and on with ClearBlade's string and boolean forms", async () => {
    const sk = w.systemKey;
    await dev('POST', `/admin/code/v/1/${sk}/Quiet`, {
      code: 'function Quiet(req, resp) { log("x"); resp.success(0); }',
    });
    expect((await dev('GET', `/codeadmin/v/2/logs/${sk}/Quiet/active`)).body).to.deep.equal({
      logging_enabled: 'false',
    });
    await dev('POST', `/api/v/1/code/${sk}/Quiet`, {});
    expect((await dev('GET', `/codeadmin/v/2/logs/${sk}/Quiet`)).body).to.deep.equal([]);
    await dev('POST', `/codeadmin/v/2/logs/${sk}/Quiet`, { logging: 'true' });
    await dev('POST', `/api/v/1/code/${sk}/Quiet`, {});
    expect((await dev('GET', `/codeadmin/v/2/logs/${sk}/Quiet`)).body).to.have.length(1);
    await dev('POST', `/codeadmin/v/2/logs/${sk}/Quiet`, { logging: false });
    expect((await dev('GET', `/codeadmin/v/2/logs/${sk}/Quiet/active`)).body).to.deep.equal({
      logging_enabled: 'false',
    });
    expect((await dev('PUT', `/codeadmin/v/2/logs/${sk}/Quiet`, { log_level: 'info' })).body).to.deep.equal({
      name: 'Quiet',
      log_level: 'info',
    });
  });
});
