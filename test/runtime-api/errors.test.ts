import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogue, type ErrorSpec } from '../../runtime-api/errors/index.js';

// Catalogue hygiene (CONVENTIONS.md 8 and 24, after fastify's lib/errors.js and lib/warnings.js): a live
// code is raised somewhere, a retired one is marked deprecated and raised nowhere, and every code tells
// the person who sees it what to do.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where platform code lives; tests, docs, examples (user code) and the catalogue itself do not count. */
const SOURCE_DIRS = ['broker', 'engine', 'runtime-api', 'services', 'bin'];
const CATALOGUE_DIR = join(ROOT, 'runtime-api', 'errors');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== CATALOGUE_DIR && entry.name !== 'node_modules') out.push(...sourceFiles(path));
    } else if (/\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      out.push(path);
    }
  }
  return out;
}

/** Each code string → the source files (outside the catalogue) that mention it. */
function mentions(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const texts = SOURCE_DIRS.flatMap((d) => sourceFiles(join(ROOT, d))).map((f) => ({
    file: relative(ROOT, f),
    text: readFileSync(f, 'utf8'),
  }));
  for (const code of Object.keys(catalogue)) {
    // A whole code, not the prefix of a longer one (CB_ERR_SANDBOX_DELAYED vs CB_ERR_SANDBOX_DELAYED_LIMIT).
    const whole = new RegExp(`\\b${code}\\b`);
    found.set(
      code,
      texts.filter((t) => whole.test(t.text)).map((t) => t.file),
    );
  }
  return found;
}

const entries = Object.entries(catalogue) as Array<[string, ErrorSpec]>;

describe('error catalogue hygiene', () => {
  const found = mentions();

  it('scans the source tree (the scan itself finds the platform modules)', () => {
    expect(found.get('CB_ERR_INTERNAL')).to.include('services/rest/errors.ts');
  });

  it('every live code is raised somewhere in platform source (or is marked deprecated)', () => {
    const unraised = entries
      .filter(([code, spec]) => spec.deprecated !== true && (found.get(code) ?? []).length === 0)
      .map(([code]) => code);
    expect(unraised, 'raise these where they belong, or mark them deprecated').to.deep.equal([]);
  });

  it('a deprecated code is raised nowhere and names a live code that replaced it', () => {
    const deprecated = entries.filter(([, spec]) => spec.deprecated === true);
    expect(deprecated.length).to.be.greaterThan(0);
    for (const [code, spec] of deprecated) {
      expect(found.get(code), `${code} is deprecated but still mentioned`).to.deep.equal([]);
      if (spec.replacedBy !== undefined) {
        const replacement = (catalogue as Record<string, ErrorSpec | undefined>)[spec.replacedBy];
        expect(replacement, `${code} replacedBy ${spec.replacedBy}`).to.not.equal(undefined);
        expect(replacement?.deprecated, `${code} is replaced by a deprecated code`).to.not.equal(true);
      }
    }
  });

  it('only deprecated codes name a replacement', () => {
    const stray = entries
      .filter(([, spec]) => spec.replacedBy !== undefined && spec.deprecated !== true)
      .map(([code]) => code);
    expect(stray).to.deep.equal([]);
  });

  it('every code says what to do: one or more sentences, not a copy of its message', () => {
    for (const [code, spec] of entries) {
      expect(spec.fix.trim().length, `${code} fix`).to.be.greaterThan(10);
      expect(spec.fix, `${code} fix ends a sentence`).to.match(/[.)]$/);
      expect(spec.fix, `${code} fix repeats the message`).to.not.equal(spec.message);
    }
  });

  it('codes are CB_ERR_<AREA>_<WHAT> in capitals', () => {
    for (const [code] of entries)
      expect(code).to.match(/^CB_ERR_[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^CB_ERR_[A-Z]+$/);
  });
});
