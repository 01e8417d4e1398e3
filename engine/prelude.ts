// The runtime API (runtime-api/prelude) bundled by esbuild into one script, once per process.

import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../runtime-api/prelude/index.ts', import.meta.url));

let cached: string | undefined;

/** The prelude's source: a strict-mode script that defines `__isobarInstall` and evaluates to it. */
export function preludeSource(): string {
  cached ??= bundle();
  return cached;
}

function bundle(): string {
  const result = buildSync({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    target: 'es2022',
    minifySyntax: true,
    tsconfig: fileURLToPath(new URL('../runtime-api/tsconfig.json', import.meta.url)),
    logLevel: 'silent',
  });
  // The script's completion value is the installer, so running it hands the engine a reference in one hop.
  return `${result.outputFiles[0].text}\n;globalThis.__isobarInstall;`;
}
