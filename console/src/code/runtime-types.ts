// The runtime's own type declarations, bundled as text (esbuild's `with { type: 'text' }`), so the editor's
// completion always names exactly what runtime-api/types/index.d.ts declares — no second list to keep.
// @ts-expect-error tsc has no text modules; esbuild loads the file as a string.
import dts from '../../../runtime-api/types/index.d.ts' with { type: 'text' };

/** The text of runtime-api/types/index.d.ts. */
export const RUNTIME_TYPES: string = dts as string;
