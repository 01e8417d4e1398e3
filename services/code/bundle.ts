// esbuild at upload: JavaScript, ES modules and TypeScript become one script the engine runs. A script
// service (ClearBlade style: a top-level `function Name(req, resp)`) keeps its top-level declarations; a
// module service (import/export) is wrapped and its default export (or export named like the service)
// becomes the global function `Name`. Libraries named in `dependencies` come first, as globals, and module
// code may also `import` them by name. The bundle ends with an inline source map of the service's own
// source (shifted past the libraries in front) so failed runs name the author's file and line
// (source-map.ts reads it on the host; `sourcesContent` is left out to keep the stored bundle small).
import { build, transform, type BuildFailure, type Message, type Plugin } from 'esbuild';
import { IsobarError } from '../../runtime-api/errors/index.js';
import { inlineMapComment } from './source-map.js';

/** Libraries the runtime provides itself: listing them in `dependencies` is fine and adds nothing. */
export const NATIVE_LIBRARIES: ReadonlySet<string> = new Set([
  'clearblade',
  'log',
  'http',
  'geo',
  'crypto',
  'file_writer',
  'jsutil',
  'mailer',
  'net_cb',
  'oauth2_lib',
]);

/** One library as the bundler needs it: its source and its compiled, ready-to-prepend script. */
export interface BundledLibrary {
  readonly name: string;
  readonly source: string;
  readonly script: string;
}

const TARGET = 'es2022';
const MODULE_GLOBAL = '__isobarModule';

/** Splits ClearBlade's comma list (`"log,clearblade"`) into names, dropping blanks and duplicates. */
export function parseDependencies(dependencies: string): string[] {
  return [
    ...new Set(
      dependencies
        .split(',')
        .map((d) => d.trim())
        .filter((d) => d !== ''),
    ),
  ];
}

/** A valid JavaScript identifier: library globals can only be named after such libraries. */
function isIdentifier(name: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(name);
}

function syntaxError(name: string, message: Message): IsobarError {
  const loc = message.location;
  return new IsobarError('CB_ERR_CODE_SYNTAX', {
    name,
    line: loc?.line ?? 0,
    // esbuild columns are 0-based; editors and people count from 1.
    column: (loc?.column ?? -1) + 1,
    detail: message.text,
  });
}

function isBuildFailure(err: unknown): err is BuildFailure {
  return typeof err === 'object' && err !== null && Array.isArray((err as BuildFailure).errors);
}

/**
 * Resolves bare imports named in `dependencies` into `namespace`, loaded by `load`; anything else (paths,
 * packages, node:*) is refused. The bundle and the editor's check (check.ts) resolve alike.
 */
export function dependenciesPlugin(
  namespace: string,
  dependencies: ReadonlySet<string>,
  load: (path: string) => { contents: string; loader: 'js' | 'ts' },
): Plugin {
  return {
    name: namespace,
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        if (dependencies.has(args.path)) return { path: args.path, namespace };
        return {
          errors: [
            {
              text: `cannot import ${JSON.stringify(args.path)}: only libraries listed in dependencies can be imported`,
            },
          ],
        };
      });
      b.onLoad({ filter: /.*/, namespace }, (args) => load(args.path));
    },
  };
}

/** Resolves bare imports to the given libraries' sources. */
function librariesPlugin(libraries: readonly BundledLibrary[]): Plugin {
  const byName = new Map(libraries.map((l) => [l.name, l.source]));
  return dependenciesPlugin('isobar-library', new Set(byName.keys()), (path) => ({
    contents: byName.get(path) ?? '',
    loader: 'ts',
  }));
}

interface Compiled {
  readonly isModule: boolean;
  readonly code: string;
  /** The map of `code` back to the source (and the libraries it imports). */
  readonly map?: { readonly sources: readonly string[]; readonly mappings: string };
}

/** esbuild's own map comment: the bundle carries ours instead. */
const MAP_COMMENT = /\n?\/\/# sourceMappingURL=[^\n]*\n?$/;

function parseMap(text: string | undefined): Compiled['map'] {
  if (text === undefined || text === '') return undefined;
  const raw = JSON.parse(text) as { sources?: unknown; mappings?: unknown };
  if (!Array.isArray(raw.sources) || typeof raw.mappings !== 'string') return undefined;
  return { sources: raw.sources.map(String), mappings: raw.mappings };
}

/**
 * Compiles one source. Scripts are transformed in place (top-level declarations stay global); modules are
 * bundled into an IIFE assigned to `globalName`. Syntax errors carry line and column.
 */
async function compile(
  label: string,
  source: string,
  globalName: string,
  libraries: readonly BundledLibrary[],
): Promise<Compiled> {
  let result;
  try {
    result = await build({
      stdin: { contents: source, loader: 'ts', sourcefile: `${label}.ts` },
      bundle: true,
      write: false,
      metafile: true,
      format: 'iife',
      globalName,
      outfile: `${label}.js`,
      sourcemap: 'external',
      sourcesContent: false,
      platform: 'neutral',
      target: TARGET,
      treeShaking: false,
      logLevel: 'silent',
      plugins: [librariesPlugin(libraries)],
    });
  } catch (err) {
    if (!isBuildFailure(err)) throw err;
    const first = err.errors[0];
    if (first === undefined)
      throw new IsobarError('CB_ERR_CODE_BUNDLE_FAILED', { name: label, detail: 'unknown' });
    if (
      first.pluginName !== '' ||
      first.text.startsWith('Could not resolve') ||
      first.text.startsWith('No matching export')
    )
      throw new IsobarError('CB_ERR_CODE_BUNDLE_FAILED', { name: label, detail: first.text });
    throw syntaxError(label, first);
  }
  const inputs = Object.values(result.metafile.inputs);
  const entry = result.metafile.inputs[`${label}.ts`] ?? inputs[inputs.length - 1];
  const isModule = entry?.format === 'esm' || entry?.format === 'cjs';
  if (isModule) {
    const js = result.outputFiles.find((f) => !f.path.endsWith('.map'));
    const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
    return { isModule, code: (js?.text ?? '').replace(MAP_COMMENT, '\n'), map: parseMap(map?.text) };
  }
  // A plain script: keep its top-level declarations global (the IIFE above would hide them).
  const plain = await transform(source, {
    loader: 'ts',
    target: TARGET,
    sourcefile: `${label}.ts`,
    sourcemap: 'external',
    sourcesContent: false,
  });
  return { isModule, code: plain.code.replace(MAP_COMMENT, '\n'), map: parseMap(plain.map) };
}

/** Compiles a library alone (at library upload): syntax errors are reported against the library. */
export async function compileLibrary(
  name: string,
  source: string,
  dependencies: readonly BundledLibrary[],
): Promise<string> {
  const globalName = isIdentifier(name) ? name : `__isobarLibrary_${name.replace(/\W/g, '_')}`;
  const compiled = await compile(name, source, globalName, dependencies);
  return compiled.code;
}

/**
 * Bundles a service with its libraries (dependency order) into the one script the engine runs; the script
 * defines the global function named like the service.
 */
export async function bundleService(
  name: string,
  source: string,
  libraries: readonly BundledLibrary[],
): Promise<string> {
  const compiled = await compile(name, source, MODULE_GLOBAL, libraries);
  const prelude = libraries.map((l) => `// library ${l.name}\n${l.script}`).join('\n');
  const head = `${prelude}\n// service ${name}\n`;
  // Every generated line before the service's code is a `;` of the map: its lines then count from the
  // bundle's first line, the one V8 reports.
  const shifted =
    compiled.map === undefined
      ? ''
      : `\n${inlineMapComment({
          sources: compiled.map.sources,
          mappings: ';'.repeat(head.split('\n').length - 1) + compiled.map.mappings,
        })}\n`;
  if (!compiled.isModule) return `${head}${compiled.code}${shifted}`;
  const key = JSON.stringify(name);
  const pick =
    `globalThis[${key}] = (function (m) { if (typeof m === 'function') return m; ` +
    `if (m && typeof m.default === 'function') return m.default; return m ? m[${key}] : undefined; })(${MODULE_GLOBAL});`;
  return `${head}${compiled.code}\n${pick}\n${shifted}`;
}
