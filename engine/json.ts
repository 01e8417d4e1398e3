// JSON read back from user code: `__proto__` keys are dropped so nothing a service answers can pollute a
// prototype in Node, whatever the reader later does with the value; and a result nested deeper than the
// limit is never parsed, because the recursive serializers after us (the REST reply, a caller's isolate,
// SDK clients) overflow their stacks on it.
import { jsonDeeperThan } from '../runtime-api/json-depth.js';

/** JSON.parse without `__proto__` keys; undefined when the text is not JSON. */
export function safeParse(text: string): unknown {
  try {
    return text.includes('"__proto__"')
      ? JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value))
      : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What a service result's JSON text reads as: its value, or `deep` when it nests past `maxDepth`. */
export type ParsedResult =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly deep: true };

/** Parses a result the prelude rendered; the host checks depth again because the isolate is not trusted. */
export function parseResult(text: string, maxDepth: number): ParsedResult {
  if (jsonDeeperThan(text, maxDepth)) return { ok: false, deep: true };
  return { ok: true, value: safeParse(text) ?? null };
}
