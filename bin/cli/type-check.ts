// `isobar services push --check`: type-checks a TypeScript service against the runtime's own types
// (runtime-api/types/index.d.ts: ClearBlade, log, Requests, …) before it is uploaded, so a type error shows
// at push instead of failing at run time. TypeScript is a devDependency: when it is not installed the check
// says so and the push does not happen.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type TypeScript from 'typescript';

/** The runtime's type declarations, from the sources (bin/cli/) or the built CLI (dist/). */
function runtimeTypes(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  return [
    join(here, '../../runtime-api/types/index.d.ts'),
    join(here, '../runtime-api/types/index.d.ts'),
  ].find((p) => existsSync(p));
}

/** Type-checks one service file; answers the diagnostics as text, empty when it checks. */
export async function typeCheck(file: string): Promise<string> {
  let ts: typeof TypeScript;
  try {
    ts = (await import('typescript')).default;
  } catch {
    throw new Error('--check needs the typescript package: install it (npm install --save-dev typescript)');
  }
  const types = runtimeTypes();
  if (types === undefined) throw new Error('--check: runtime-api/types/index.d.ts not found next to the CLI');
  const program = ts.createProgram([file, types], {
    noEmit: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts'],
    types: [],
    skipLibCheck: true,
    allowJs: true,
    checkJs: false,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length === 0) return '';
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => '\n',
  });
}
