import { expect } from 'chai';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { createLog, resolveLogFormat } from '../../../services/kernel/log.js';
import { formatPrettyLine } from '../../../services/kernel/log-pretty.js';

describe('process log format (ISOBAR_LOG_FORMAT)', () => {
  it('auto is pretty on a terminal and JSON otherwise; explicit formats win', () => {
    expect(resolveLogFormat('auto', true)).to.equal('pretty');
    expect(resolveLogFormat('auto', false)).to.equal('json');
    expect(resolveLogFormat('json', true)).to.equal('json');
    expect(resolveLogFormat('pretty', false)).to.equal('pretty');
  });

  it('formats a pino record as time, level, message and its own fields', () => {
    const line = JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 0, 1, 12, 3, 4, 5),
      pid: 1,
      hostname: 'h',
      app: 'isobar',
      msg: 'queue full',
      system: 'abc',
      dropped: 3,
      why: 'two words',
    });
    expect(formatPrettyLine(line, false)).to.equal(
      '12:03:04.005 WARN  queue full  system=abc dropped=3 why="two words"\n',
    );
    expect(formatPrettyLine(line, true)).to.contain('\u001b[33mWARN \u001b[39m');
    expect(formatPrettyLine('not json', false)).to.equal('not json');
  });

  it('writes pretty lines, or JSON lines, to the stream it is given', async () => {
    for (const format of ['pretty', 'json'] as const) {
      const out = new PassThrough();
      const log = createLog('info', { format, out });
      const line = once(out, 'data');
      log.child({ area: 'engine' }).info('started', { isolates: 2 });
      const text = String((await line)[0]);
      if (format === 'json') {
        expect(JSON.parse(text)).to.include({ msg: 'started', area: 'engine', isolates: 2, level: 30 });
      } else {
        expect(text).to.match(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}started {2}area=engine isolates=2\n$/);
      }
    }
  });
});
