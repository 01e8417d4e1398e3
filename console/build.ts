// Bundles the console (console/src) for the browser with esbuild: index.html, app.js (preact, htm,
// CodeMirror, the mqtt browser client — everything, no CDN) and app.css. `npm run build` writes it to
// dist/console/ (bin/build.ts); the platform serves it from there, and rebuilds it in memory when it is
// missing or older than its sources (a checkout being edited, an install with --ignore-scripts).
import { build } from 'esbuild';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';

/** The built console: file name (index.html, app.js, app.css, app.js.map) → contents. */
export type ConsoleFiles = ReadonlyMap<string, Buffer>;

/** What dist/console/build.json records so a later start can tell whether the bundle is stale. */
interface ConsoleBuildInfo {
  readonly builtAt: number;
  /** Source files (relative to the root) the bundle holds. */
  readonly inputs: readonly string[];
}

/** Bundles console/src in memory (nothing written); `root` is the repository root. */
export async function bundleConsole(root: string): Promise<{ files: ConsoleFiles; inputs: string[] }> {
  const src = join(root, 'console', 'src');
  const result = await build({
    absWorkingDir: root,
    entryPoints: { app: join(src, 'main.ts') },
    outdir: join(root, 'dist', 'console'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'silent',
    legalComments: 'linked',
  });
  const files = new Map<string, Buffer>();
  for (const f of result.outputFiles)
    files.set(relative(join(root, 'dist', 'console'), f.path), Buffer.from(f.contents));
  files.set('index.html', readFileSync(join(src, 'index.html')));
  const inputs = [
    ...Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/')),
    'console/src/index.html',
  ];
  return { files, inputs };
}

/** Writes a bundle to `outdir` through a temporary directory, so a reader never sees half of it. */
export function writeConsole(
  outdir: string,
  bundle: { files: ConsoleFiles; inputs: readonly string[] },
  builtAt: number,
): void {
  const tmp = `${outdir}.tmp-${String(process.pid)}-${String(builtAt)}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const [name, data] of bundle.files) writeFileSync(join(tmp, name), data);
  const info: ConsoleBuildInfo = { builtAt, inputs: [...bundle.inputs] };
  writeFileSync(join(tmp, 'build.json'), `${JSON.stringify(info)}\n`);
  rmSync(outdir, { recursive: true, force: true });
  renameSync(tmp, outdir);
}

/** The bundle in `outdir` when it exists and no source it holds changed since; otherwise undefined. */
export function readFreshConsole(root: string, outdir: string): ConsoleFiles | undefined {
  try {
    const info = JSON.parse(readFileSync(join(outdir, 'build.json'), 'utf8')) as ConsoleBuildInfo;
    for (const input of info.inputs) {
      if (statSync(join(root, input)).mtimeMs > info.builtAt) return undefined;
    }
    // A new page file is not among the old inputs: any source newer than the build makes it stale.
    if (newestSource(join(root, 'console', 'src')) > info.builtAt) return undefined;
    const files = new Map<string, Buffer>();
    for (const name of readdirSync(outdir)) {
      if (name !== 'build.json') files.set(name, readFileSync(join(outdir, name)));
    }
    return files.has('index.html') && files.has('app.js') ? files : undefined;
  } catch {
    return undefined;
  }
}

function newestSource(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The console to serve: dist/console when fresh, else a new bundle (written back to dist/console when the
 * directory is writable, so the next start reuses it).
 */
export async function loadConsole(root: string): Promise<ConsoleFiles> {
  const outdir = join(root, 'dist', 'console');
  const fresh = readFreshConsole(root, outdir);
  if (fresh !== undefined) return fresh;
  const builtAt = Date.now();
  const bundle = await bundleConsole(root);
  try {
    writeConsole(outdir, bundle, builtAt);
  } catch {
    // A read-only install still serves the in-memory bundle; it is rebuilt at the next start.
  }
  return bundle.files;
}
