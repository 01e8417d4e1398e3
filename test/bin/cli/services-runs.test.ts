// `isobar services` and what runs leave: push --check type-checks first, a stream push says whether its
// instances came up, and logs --follow prints failed runs live with their code, text and line.
import { expect } from 'chai';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useCliWorld } from './cli-world.js';

describe('isobar services: checks, stream push and the live tail', () => {
  const w = useCliWorld('ISOBAR_SYSTEM', 'test');
  const start = (...argv: string[]) => w.start(...argv);
  const run = (...argv: string[]) => w.run(...argv);

  it('push --check shows a type error and exits non-zero without pushing', async () => {
    const file = join(w.home, 'Typed.ts');
    writeFileSync(
      file,
      'export default function Typed(req: CbServer.BasicReq, resp: CbServer.Resp) {\n  const n: number = "four";\n  resp.success(n);\n}\n',
    );
    const r = await run('services', 'push', file, '--check');
    expect(r.code).to.not.equal(0);
    expect(r.err).to.match(/Typed\.ts\(2,9\).*TS2322/);
    expect(w.tp.platform.code.registry.find(w.systemKey, 'Typed')).to.equal(undefined);
    writeFileSync(
      file,
      'export default function Typed(req: CbServer.BasicReq, resp: CbServer.Resp) {\n  const n: number = 4;\n  resp.success(n);\n}\n',
    );
    const fixed = await run('services', 'push', file, '--check');
    expect(fixed.code, fixed.err).to.equal(0);
  });

  it('push of a stream service that crashes at start reports it and exits 1', async () => {
    const file = join(w.home, 'Crashy.js');
    writeFileSync(file, "function Crashy(req, resp) {\n  throw new Error('no config');\n}\n");
    const r = await run('services', 'push', file, '--stream');
    expect(r.code, r.err).to.equal(1);
    expect(r.out).to.contain(
      'stream instance exited: CB_ERR_SANDBOX_UNCAUGHT: Error: no config at Crashy.ts:2',
    );
  });

  it('logs --follow prints a failed run live with its code, text and line', async () => {
    const file = join(w.home, 'Fails.js');
    writeFileSync(file, "function Fails(req, resp) {\n  var n = 1;\n  throw new Error('broken ' + n);\n}\n");
    expect((await run('services', 'push', file)).code).to.equal(0);
    const follow = start('services', 'logs', 'Fails', '--follow', '--count', '1');
    // Wait for the watch to be in place (the CLI says so on stderr), then run the service once.
    await once(follow.stderr, 'data');
    const ran = await run('services', 'run', 'Fails');
    expect(ran.code).to.equal(1);
    const r = await follow.done;
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.match(/rest \S+ FAILED/);
    expect(r.out).to.contain('CB_ERR_SANDBOX_UNCAUGHT: Error: broken 1 at Fails.ts:3');
    const listed = await run('services', 'logs', 'Fails');
    expect(listed.out).to.contain('(failed, rest)');
    expect(listed.out).to.contain('Error: broken 1 at Fails.ts:3');
  });
});
