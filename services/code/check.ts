// A dry run of upload's compile step for editors (the web console): every syntax and import error of a
// source with its line and column, without saving a version. It runs the same esbuild the registry runs
// at save (bundle.ts), so what the editor marks is what a save would refuse; type errors are not checked
// here (TypeScript is not a runtime dependency — the CLI's `push --check` does that where it is installed).
import { build, type Message, type Plugin } from 'esbuild';
import { NATIVE_LIBRARIES, dependenciesPlugin, parseDependencies } from './bundle.js';

/** One problem in the source, positions 1-based as editors count them. */
export interface SourceDiagnostic {
  readonly severity: 'error' | 'warning';
  readonly line: number;
  readonly column: number;
  /** Characters the problem spans on its line (at least 1). */
  readonly length: number;
  readonly message: string;
}

/** How many diagnostics one check answers at most: a pasted binary should not answer megabytes. */
export const MAX_DIAGNOSTICS = 50;

/** Imports resolve to the listed libraries (as empty stand-ins: only the service's own text is checked). */
function importsPlugin(dependencies: ReadonlySet<string>): Plugin {
  return dependenciesPlugin('isobar-check', dependencies, () => ({
    contents: 'export default {}',
    loader: 'js',
  }));
}

function toDiagnostic(severity: SourceDiagnostic['severity'], m: Message): SourceDiagnostic {
  const loc = m.location;
  return {
    severity,
    line: loc?.line ?? 1,
    // esbuild columns are 0-based.
    column: (loc?.column ?? 0) + 1,
    length: Math.max(1, loc?.length ?? 1),
    message: m.text,
  };
}

/** Compiles `source` as save would and answers its problems (none: it would save). */
export async function checkSource(
  name: string,
  source: string,
  dependencies = '',
): Promise<SourceDiagnostic[]> {
  const deps = new Set([...parseDependencies(dependencies), ...NATIVE_LIBRARIES]);
  const result = await build({
    stdin: { contents: source, loader: 'ts', sourcefile: `${name}.ts` },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    target: 'es2022',
    treeShaking: false,
    logLevel: 'silent',
    plugins: [importsPlugin(deps)],
  }).then(
    (r) => ({ errors: [] as Message[], warnings: r.warnings }),
    (err: unknown) => {
      const failure = err as { errors?: Message[]; warnings?: Message[] };
      if (!Array.isArray(failure.errors)) throw err;
      return { errors: failure.errors, warnings: failure.warnings ?? [] };
    },
  );
  return [
    ...result.errors.map((m) => toDiagnostic('error', m)),
    ...result.warnings.map((m) => toDiagnostic('warning', m)),
  ].slice(0, MAX_DIAGNOSTICS);
}
