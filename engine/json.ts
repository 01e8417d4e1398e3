// JSON read back from user code: `__proto__` keys are dropped so nothing a service answers can pollute a
// prototype in Node, whatever the reader later does with the value.

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
