// How deeply JSON text nests, found by a flat scan: both the prelude (before a result leaves the isolate)
// and the engine (before it parses what came out) use it, so a deep value is refused on either side
// without recursion, whatever the recursive readers and writers further on would do with it.

/** Largest nesting of arrays and objects a service result may have; deeper ones are refused. */
export const DEFAULT_MAX_RESULT_DEPTH = 256;

/** True when `text` (JSON) opens more than `limit` arrays/objects inside each other; strings are skipped. */
export function jsonDeeperThan(text: string, limit: number): boolean {
  if (text.length <= limit) return false; // too short to hold limit + 1 brackets
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}
