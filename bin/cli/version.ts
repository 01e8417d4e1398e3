// `isobar --version`: the package's version, inlined at build time by esbuild (dist/) or read by tsx.
import pkg from '../../package.json' with { type: 'json' };

/** The installed Isobar version, e.g. `0.1.0`. */
export const VERSION: string = pkg.version;
