// The runtime API (runtime-api/prelude) bundled by esbuild into one script, once per process.

import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../runtime-api/prelude/index.ts', import.meta.url));

let cached: string | undefined;

/**
 * The prelude's source: a strict-mode script that installs the runtime API from the `__isobarHost` and
 * `__isobarConfig` globals the engine sets just before running it (see runtime-api/prelude/index.ts);
 * it completes with `true` once installed.
 */
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
  // Completes with whether the API got installed (strict: the run's entry hook; warm: the factory hook), so
  // the engine can tell a context that is not ready.
  return `${result.outputFiles[0].text}\n;typeof globalThis.__isobarMain === 'function' || typeof globalThis.__isobarFactory === 'function';`;
}
