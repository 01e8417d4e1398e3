// `npm run build` (run by `prepare`, so `npm install` / `npm ci` produce it): compiles the CLI and the
// platform ahead of time into dist/ with esbuild, so `npm start` and every `isobar` command run plain
// JavaScript instead of compiling TypeScript through tsx at every start (~1 s per CLI command).
// Packages stay external (node_modules is resolved from dist/ as from the sources). dist/ sits one level
// under the root on purpose: engine/prelude.ts finds runtime-api/ at `../runtime-api` from its module,
// and the history writer finds its worker as `./writer-worker.js` beside its module.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleConsole, writeConsole } from '../console/build.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist`;

/** What bin/isobar.js reads to tell whether dist/ is older than the sources it was built from. */
export interface BuildInfo {
  readonly builtAt: number;
  /** Source files (relative to the root) the bundle holds. */
  readonly inputs: readonly string[];
}

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const builtAt = Date.now();
const result = await build({
  absWorkingDir: root,
  entryPoints: { cli: 'bin/cli.ts', 'writer-worker': 'services/history/writer-worker.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  chunkNames: 'chunk-[hash]',
  metafile: true,
  logLevel: 'warning',
});
const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/'));
const info: BuildInfo = { builtAt, inputs };
writeFileSync(`${outdir}/build.json`, `${JSON.stringify(info)}\n`);
process.stdout.write(`isobar: built dist/ (${inputs.length} sources)\n`);
// The web console (console/README.md): its browser bundle in dist/console/, served by the platform at /.
const consoleBuiltAt = Date.now();
writeConsole(`${outdir}/console`, await bundleConsole(root), consoleBuiltAt);
process.stdout.write('isobar: built dist/console/\n');
