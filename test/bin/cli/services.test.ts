import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useCliWorld } from './cli-world.js';

describe('isobar services', () => {
  const w = useCliWorld('ISOBAR_SYSTEM', 'test');
  const run = (...argv: string[]) => w.run(...argv);
  const ok = async (...argv: string[]) => {
    const r = await run(...argv);
    expect(r.code, r.err).to.equal(0);
    return r.out;
  };

  it('pushes a TypeScript file, runs it, versions it and rolls it back', async () => {
    const file = join(w.home, 'Greet.ts');
    writeFileSync(
      file,
      'export default function (req: { params: { who: string } }, resp: { success(x: string): void }) {\n  log("greeting");\n  resp.success(`hi ${req.params.who}`);\n}\n',
    );
    expect(await ok('services', 'push', file, '--params', 'who')).to.contain(
      'Greet: version 1 (micro service)',
    );
    const result = JSON.parse(
      await ok('services', 'run', 'Greet', '--params', '{"who":"ann"}', '--logs'),
    ) as Record<string, unknown>;
    expect(result).to.deep.equal({ success: true, results: 'hi ann', logs: 'greeting' });
    writeFileSync(
      file,
      'export default function (req: unknown, resp: { success(x: string): void }) { resp.success("v2"); }\n',
    );
    expect(await ok('services', 'push', file)).to.contain('Greet: version 2');
    const versions = JSON.parse(await ok('services', 'versions', 'Greet', '--json')) as Array<{
      version: number;
      current: boolean;
    }>;
    expect(versions.map((v) => [v.version, v.current])).to.deep.equal([
      [1, false],
      [2, true],
    ]);
    expect(await ok('services', 'rollback', 'Greet', '1')).to.contain('version 3 (content of version 1)');
    expect(JSON.parse(await ok('services', 'run', 'Greet', '--params', '{"who":"bo"}'))).to.deep.include({
      results: 'hi bo',
    });
    expect(await ok('services', 'logs', 'Greet')).to.contain('greeting');
    expect((await ok('services', 'list')).trim()).to.equal('Greet');
    await ok('services', 'delete', 'Greet');
    expect((await ok('services', 'list')).trim()).to.equal('(none)');
  });

  it('reports a syntax error with its line and column and exits 1', async () => {
    const file = join(w.home, 'Bad.js');
    writeFileSync(file, 'function Bad(req, resp) {\n  resp.success(\n}\n');
    const r = await run('services', 'push', file);
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('CB_ERR_CODE_SYNTAX').and.to.contain('line 3');
  });
});
