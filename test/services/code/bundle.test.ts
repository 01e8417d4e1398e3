import { expect } from 'chai';
import { codeFixture, runBundle, SYSTEM_KEY, type CodeFixture } from './fixtures.js';
import { parseDependencies } from '../../../services/code/bundle.js';

describe('code bundling at upload', () => {
  let f: CodeFixture;
  beforeEach(async () => (f = await codeFixture()));
  afterEach(() => f.close());

  const bundleOf = (name: string) => f.registry.get(SYSTEM_KEY, name).bundle;

  it('keeps a ClearBlade-style script service as a global function', async () => {
    await f.registry.create(SYSTEM_KEY, 'Adder', {
      code: 'function Adder(req, resp) { resp.success(req.params.lhs + req.params.rhs); }',
    });
    expect(runBundle(bundleOf('Adder'), 'Adder', { lhs: 3, rhs: 4 })).to.equal(7);
  });

  it('accepts TypeScript', async () => {
    await f.registry.create(SYSTEM_KEY, 'Typed', {
      code: `interface P { n: number }
function Typed(req: { params: P }, resp: { success(x: unknown): void }): void {
  const twice: number = req.params.n * 2;
  resp.success(twice);
}`,
    });
    expect(runBundle(bundleOf('Typed'), 'Typed', { n: 21 })).to.equal(42);
  });

  it('accepts an ES module whose default export is the service', async () => {
    await f.registry.create(SYSTEM_KEY, 'Mod', {
      code: 'const k = 10;\nexport default function (req, resp) { resp.success(req.params.n + k); }',
    });
    expect(runBundle(bundleOf('Mod'), 'Mod', { n: 1 })).to.equal(11);
  });

  it('accepts an ES module exporting a function named like the service', async () => {
    await f.registry.create(SYSTEM_KEY, 'Named', {
      code: 'export function Named(req: unknown, resp: { success(x: string): void }) { resp.success("named"); }',
    });
    expect(runBundle(bundleOf('Named'), 'Named')).to.equal('named');
  });

  it('rejects a syntax error at upload with its line and column', async () => {
    const err = await f.registry
      .create(SYSTEM_KEY, 'Broken', { code: 'function Broken(req, resp) {\n  resp.success(1\n}' })
      .catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_CODE_SYNTAX');
    expect(err).to.have.nested.property('params.line', 3);
    expect(err).to.have.nested.property('params.column', 1);
    expect(f.registry.find(SYSTEM_KEY, 'Broken')).to.equal(undefined);
  });

  it('refuses imports of anything but listed libraries', async () => {
    const err = await f.registry
      .create(SYSTEM_KEY, 'Sneaky', { code: 'import fs from "node:fs";\nexport default function () { fs; }' })
      .catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_CODE_BUNDLE_FAILED');
  });

  it('prepends script libraries named in dependencies, dependencies first', async () => {
    await f.libraries.create(SYSTEM_KEY, 'base', { code: 'function base() { return 40; }' });
    await f.libraries.create(SYSTEM_KEY, 'plus', {
      code: 'function plus() { return base() + 2; }',
      dependencies: 'base',
    });
    await f.registry.create(SYSTEM_KEY, 'UsesLib', {
      code: 'function UsesLib(req, resp) { resp.success(plus()); }',
      dependencies: 'clearblade, plus,log',
    });
    expect(runBundle(bundleOf('UsesLib'), 'UsesLib')).to.equal(42);
  });

  it('lets a module service import a module library by name', async () => {
    await f.libraries.create(SYSTEM_KEY, 'mathlib', { code: 'export const square = (x: number) => x * x;' });
    await f.registry.create(SYSTEM_KEY, 'Sq', {
      code: 'import { square } from "mathlib";\nexport default function (req, resp) { resp.success(square(req.params.x)); }',
      dependencies: 'mathlib',
    });
    expect(runBundle(bundleOf('Sq'), 'Sq', { x: 9 })).to.equal(81);
  });

  it('refuses an unknown dependency and a dependency cycle', async () => {
    const unknown = await f.registry
      .create(SYSTEM_KEY, 'NoLib', { code: 'function NoLib(){}', dependencies: 'nope' })
      .catch((e: unknown) => e);
    expect(unknown).to.have.property('code', 'CB_ERR_CODE_DEPENDENCY_UNKNOWN');
    await f.libraries.create(SYSTEM_KEY, 'a', { code: 'var a = 1;' });
    await f.libraries.create(SYSTEM_KEY, 'b', { code: 'var b = 1;', dependencies: 'a' });
    const cycle = await f.libraries.update(SYSTEM_KEY, 'a', { dependencies: 'b' }).catch((e: unknown) => e);
    expect(cycle).to.have.property('code', 'CB_ERR_CODE_DEPENDENCY_CYCLE');
  });

  it('rejects a library with a syntax error at upload', async () => {
    const err = await f.libraries
      .create(SYSTEM_KEY, 'badlib', { code: 'function x( {' })
      .catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_CODE_SYNTAX');
    expect(err).to.have.nested.property('params.line', 1);
  });

  it('gives dependents of an updated library a new version bundled with it', async () => {
    await f.libraries.create(SYSTEM_KEY, 'num', { code: 'function num() { return 1; }' });
    await f.registry.create(SYSTEM_KEY, 'UsesNum', {
      code: 'function UsesNum(req, resp) { resp.success(num()); }',
      dependencies: 'num',
    });
    const lib = await f.libraries.update(SYSTEM_KEY, 'num', { code: 'function num() { return 2; }' }, (l) =>
      f.registry.checkLibrary(l),
    );
    expect(lib.version).to.equal(2);
    await f.registry.rebundleDependents(SYSTEM_KEY, 'num');
    expect(f.registry.get(SYSTEM_KEY, 'UsesNum').record.current_version).to.equal(2);
    expect(runBundle(bundleOf('UsesNum'), 'UsesNum')).to.equal(2);
    expect((await f.libraries.versions(SYSTEM_KEY, 'num')).map((v) => v.version)).to.deep.equal([1, 2]);
  });

  it('refuses a library update that breaks a dependent module service', async () => {
    await f.libraries.create(SYSTEM_KEY, 'exp', { code: 'export const one = 1;' });
    await f.registry.create(SYSTEM_KEY, 'UsesExp', {
      code: 'import { one } from "exp";\nexport default function (req, resp) { resp.success(one); }',
      dependencies: 'exp',
    });
    const err = await f.libraries
      .update(SYSTEM_KEY, 'exp', { code: 'export const two = 2;' }, (l) => f.registry.checkLibrary(l))
      .catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_CODE_BUNDLE_FAILED');
    expect(f.libraries.get(SYSTEM_KEY, 'exp').version).to.equal(1);
  });

  it('splits ClearBlade dependency lists', () => {
    expect(parseDependencies(' log, clearblade,,log ')).to.deep.equal(['log', 'clearblade']);
  });
});
