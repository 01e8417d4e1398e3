import { expect } from 'chai';
import { codeFixture, SYSTEM_KEY, type CodeFixture } from './fixtures.js';
import { createCodeLogs, MAX_LINES_PER_ROW, type CodeLogs } from '../../../services/code/logs.js';
import { silentLog } from '../../../runtime-api/log.js';
import type { LogLine } from '../../../engine/types.js';

const line = (message: string, time: number, level: LogLine['level'] = 'info'): LogLine => ({
  level,
  time,
  message,
});

describe('code logs', () => {
  let f: CodeFixture;
  let logs: CodeLogs;
  beforeEach(async () => {
    f = await codeFixture();
    logs = createCodeLogs({ store: f.store, clock: f.clock, log: silentLog });
  });
  afterEach(async () => {
    await logs.close();
    await f.close();
  });

  const entry = (instanceId: string, ttlMinutes: number, lines: LogLine[]) => ({
    systemKey: SYSTEM_KEY,
    name: 'Svc',
    version: 1,
    instanceId,
    startedAt: f.clock.now(),
    durationMs: 3,
    success: true,
    lines,
    ttlMinutes,
  });

  it('keeps each invocation with its lines, newest first, in ClearBlade shape', async () => {
    logs.record(entry('i1', 10, [line('first', f.clock.now())]));
    logs.record(entry('i2', 10, [line('a', f.clock.now()), line('b', f.clock.now(), 'error')]));
    const list = await logs.list(SYSTEM_KEY, 'Svc');
    expect(list.map((l) => l.log)).to.deep.equal(['a\nb', 'first']);
    expect(list[0]).to.include({ service_instance_id: 'i2', success: true, duration_ms: 3 });
    expect(list[0].service_execution_time).to.equal(new Date(f.clock.now()).toISOString());
    expect(list[0].lines[1]).to.include({ level: 'error', message: 'b' });
    expect(await logs.instance(SYSTEM_KEY, 'Svc', 'i1')).to.include({ log: 'first' });
    expect(await logs.instance(SYSTEM_KEY, 'Svc', 'nope')).to.equal(undefined);
  });

  it('hides logs older than log_ttl_minutes and purges them', async () => {
    logs.record(entry('old', 1, [line('x', f.clock.now())]));
    await logs.flush();
    f.clock.advance(30_000);
    logs.record(entry('new', 1, [line('y', f.clock.now())]));
    f.clock.advance(31_000);
    expect((await logs.list(SYSTEM_KEY, 'Svc')).map((l) => l.service_instance_id)).to.deep.equal(['new']);
    expect(await logs.purge()).to.equal(1);
    f.clock.advance(60_000);
    expect(await logs.list(SYSTEM_KEY, 'Svc')).to.deep.equal([]);
  });

  it('purges on its own schedule once started', async () => {
    logs.start();
    logs.record(entry('old', 1, [line('x', f.clock.now())]));
    await logs.flush();
    f.clock.advance(61_000);
    await logs.flush();
    expect(await f.store.db.selectFrom('code_logs').selectAll().execute()).to.deep.equal([]);
    expect(f.clock.pending).to.equal(1);
  });

  it('collects the lines of a stream instance and keeps recent chunks of a long-running one', async () => {
    const stream = {
      systemKey: SYSTEM_KEY,
      name: 'Svc',
      version: 1,
      instanceId: 's1',
      startedAt: f.clock.now(),
      ttlMinutes: 1,
    };
    logs.append(stream, line('early', f.clock.now()));
    await logs.flush();
    f.clock.advance(120_000);
    logs.append(stream, line('late', f.clock.now()));
    const view = await logs.instance(SYSTEM_KEY, 'Svc', 's1');
    expect(view?.log).to.equal('late');
    expect(view?.success).to.equal(null);
  });

  it('bounds a flood of lines in one row', async () => {
    const many = Array.from({ length: MAX_LINES_PER_ROW + 50 }, (_, i) => line(`l${String(i)}`, 0));
    logs.record(entry('flood', 10, many));
    const view = await logs.instance(SYSTEM_KEY, 'Svc', 'flood');
    expect(view?.lines).to.have.length(MAX_LINES_PER_ROW + 1);
    expect(view?.lines.at(-1)?.message).to.contain('50 more lines dropped');
  });
});
