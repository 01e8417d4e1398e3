// Source maps of bundled services, read on the host: the engine runs the esbuild bundle, so V8 names
// positions like `Boom.js:29:9`; the author wrote `Boom.ts` line 4. The bundle ends with an inline map
// (bundle.ts) already shifted past the libraries in front, and this module decodes it (a small VLQ decoder:
// no dependency) and rewrites the positions in stacks and log lines of failed runs.

/** A place in the author's source, lines and columns counted from 1 like editors do. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One decoded segment: generated column → source index, line, column (0-based, as the map stores them). */
type Segment = readonly [generatedColumn: number, source: number, line: number, column: number];

/** A decoded map: per generated line (0-based) its segments, sorted by generated column. */
export interface DecodedMap {
  readonly sources: readonly string[];
  readonly lines: ReadonlyArray<readonly Segment[]>;
}

const MAP_PREFIX = '//# sourceMappingURL=data:application/json;base64,';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((ch, i) => [ch, i]));

/** The trailing inline map comment bundle.ts writes, for a map `{version:3, sources, mappings}`. */
export function inlineMapComment(map: { sources: readonly string[]; mappings: string }): string {
  const json = JSON.stringify({ version: 3, sources: map.sources, names: [], mappings: map.mappings });
  return `${MAP_PREFIX}${Buffer.from(json).toString('base64')}`;
}

/** Decodes one `mappings` string (base64 VLQ, fields relative to the previous segment). */
export function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let source = 0;
  let line = 0;
  let column = 0;
  for (const text of mappings.split(';')) {
    const segments: Segment[] = [];
    let generated = 0;
    for (const part of text.split(',')) {
      if (part === '') continue;
      const fields = decodeVlq(part);
      if (fields === undefined || fields.length < 1) continue;
      generated += fields[0];
      if (fields.length < 4) continue;
      source += fields[1];
      line += fields[2];
      column += fields[3];
      segments.push([generated, source, line, column]);
    }
    segments.sort((a, b) => a[0] - b[0]);
    lines.push(segments);
  }
  return lines;
}

/** The signed integers of one VLQ segment; undefined when a character is not base64. */
function decodeVlq(text: string): number[] | undefined {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of text) {
    const digit = DIGIT.get(ch);
    if (digit === undefined) return undefined;
    value += (digit & 31) << shift;
    if ((digit & 32) !== 0) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}

/** Reads the inline map at the end of a bundle; undefined when there is none or it does not parse. */
export function readInlineMap(bundle: string): DecodedMap | undefined {
  const at = bundle.lastIndexOf(MAP_PREFIX);
  if (at < 0) return undefined;
  const end = bundle.indexOf('\n', at);
  const encoded = bundle.slice(at + MAP_PREFIX.length, end < 0 ? undefined : end).trim();
  try {
    const raw = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as {
      sources?: unknown;
      mappings?: unknown;
    };
    if (!Array.isArray(raw.sources) || typeof raw.mappings !== 'string') return undefined;
    return { sources: raw.sources.map(String), lines: decodeMappings(raw.mappings) };
  } catch {
    return undefined;
  }
}

/** The author's position of a generated one (1-based line and column in, 1-based out). */
export function originalPosition(map: DecodedMap, line: number, column: number): SourcePosition | undefined {
  const segments = map.lines[line - 1];
  if (segments === undefined || segments.length === 0) return undefined;
  // The last segment starting at or before the column; a position before the first takes the first.
  let found = segments[0];
  for (const s of segments) {
    if (s[0] > column - 1) break;
    found = s;
  }
  const file = map.sources[found[1]];
  if (file === undefined) return undefined;
  return { file, line: found[2] + 1, column: found[3] + 1 };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Rewrites every `<name>.js:L:C` of `text` (the file the engine compiles the bundle as) to the author's
 * `file:line:column`; positions the map does not cover (the libraries in front) stay as they are.
 */
export function mapPositions(text: string, name: string, map: DecodedMap): string {
  const pattern = new RegExp(`${escape(name)}\\.js:(\\d+):(\\d+)`, 'g');
  return text.replace(pattern, (whole, line: string, column: string) => {
    const p = originalPosition(map, Number(line), Number(column));
    return p === undefined ? whole : `${p.file}:${String(p.line)}:${String(p.column)}`;
  });
}

/** The first position of a stack that lies in the service's own source (after mapping), if any. */
export function firstPosition(
  text: string,
  name: string,
  map: DecodedMap | undefined,
): SourcePosition | undefined {
  const pattern = new RegExp(`${escape(name)}\\.js:(\\d+):(\\d+)`, 'g');
  for (const m of text.matchAll(pattern)) {
    const line = Number(m[1]);
    const column = Number(m[2]);
    if (map === undefined) return { file: `${name}.js`, line, column };
    const p = originalPosition(map, line, column);
    if (p !== undefined) return p;
  }
  return undefined;
}
