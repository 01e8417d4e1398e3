// Completion of the ClearBlade runtime API in the service editor, read from runtime-api/types/index.d.ts:
// the globals (ClearBlade, log, Requests, …), then members along a chain — `ClearBlade.Messaging().pub…`
// resolves Messaging() to CbServer.Messaging and offers its members. A small reader of the declaration
// shapes that file uses (interfaces, `extends`, `declare var/function`), not a TypeScript checker.

/** One member of an interface: its name, whether it is called, its declared text and the type it yields. */
export interface Member {
  readonly name: string;
  readonly kind: 'method' | 'property';
  readonly detail: string;
  /** The interface name the member answers (after `(...)` for methods), when it is one of the file's. */
  readonly yields?: string;
}

/** The declarations as completion needs them. */
export interface RuntimeModel {
  /** interface name (without `CbServer.`) → members, inherited ones included. */
  readonly interfaces: ReadonlyMap<string, readonly Member[]>;
  /** global names → the member-like entry of each. */
  readonly globals: readonly Member[];
}

const TYPE_NAME = /^(?:CbServer\.)?([A-Z]\w*)/;

/** The interface a declared type text names (`CbServer.Messaging`, `Messaging[]` → undefined). */
function yieldsOf(typeText: string): string | undefined {
  const t = typeText.trim();
  if (t.includes('[]') || t.includes('|')) return undefined;
  return TYPE_NAME.exec(t)?.[1];
}

/** Splits an interface body into members (one per `name(…): T;` or `name: T;`), skipping comments. */
function membersOf(body: string): Member[] {
  const out = new Map<string, Member>();
  const clean = body.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const re = /(?:^|[;{\n])\s*(?:readonly\s+)?([A-Za-z_$][\w$]*)\??\s*(\(|:)/g;
  for (let m = re.exec(clean); m !== null; m = re.exec(clean)) {
    const name = m[1] ?? '';
    const start = m.index + m[0].length - 1;
    const end = statementEnd(clean, start);
    const text = clean.slice(start, end).replace(/\s+/g, ' ').trim();
    const kind = m[2] === '(' ? 'method' : 'property';
    const returned = kind === 'method' ? text.slice(text.lastIndexOf('):') + 2) : text.slice(1);
    if (!out.has(name)) out.set(name, { name, kind, detail: text, yields: yieldsOf(returned) });
    re.lastIndex = end;
  }
  return [...out.values()];
}

/** Index of the `;` ending the member that starts at `from`, skipping nested brackets. */
function statementEnd(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '{' || c === '<' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === '>' || c === ']') depth--;
    else if (c === ';' && depth <= 0) return i;
  }
  return text.length;
}

/** Index just past the `}` matching the `{` at `open`. */
function blockEnd(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return text.length;
}

/** Reads the declaration file into interfaces and globals. */
export function readRuntimeTypes(dts: string): RuntimeModel {
  const own = new Map<string, { members: Member[]; parents: string[] }>();
  const re = /interface\s+(\w+)(?:<[^>]*>)?(?:\s+extends\s+([\w.,\s<>{}]+?))?\s*\{/g;
  for (let m = re.exec(dts); m !== null; m = re.exec(dts)) {
    const open = m.index + m[0].length - 1;
    const close = blockEnd(dts, open);
    const parents = (m[2] ?? '')
      .split(',')
      .map((p) => yieldsOf(p))
      .filter((p): p is string => p !== undefined);
    own.set(m[1] ?? '', { members: membersOf(dts.slice(open + 1, close)), parents });
  }
  const interfaces = new Map<string, Member[]>();
  const resolve = (name: string, seen: Set<string>): Member[] => {
    const done = interfaces.get(name);
    if (done !== undefined) return done;
    const entry = own.get(name);
    if (entry === undefined || seen.has(name)) return [];
    seen.add(name);
    const byName = new Map<string, Member>();
    for (const p of entry.parents) for (const mem of resolve(p, seen)) byName.set(mem.name, mem);
    for (const mem of entry.members) byName.set(mem.name, mem);
    const all = [...byName.values()];
    interfaces.set(name, all);
    return all;
  };
  for (const name of own.keys()) resolve(name, new Set());

  const globals: Member[] = [];
  const g = /declare\s+(var|function)\s+([A-Za-z_$][\w$]*)\s*([:(])/g;
  for (let m = g.exec(dts); m !== null; m = g.exec(dts)) {
    const start = m.index + m[0].length - 1;
    const end = statementEnd(dts, start);
    const text = dts.slice(start, end).replace(/\s+/g, ' ').trim();
    const isFunction = m[1] === 'function';
    const returned = isFunction ? text.slice(text.lastIndexOf('):') + 2) : text.slice(1);
    globals.push({
      name: m[2] ?? '',
      kind: isFunction ? 'method' : 'property',
      detail: text,
      yields: yieldsOf(returned),
    });
  }
  return { interfaces, globals };
}

/** Names a handler's parameters usually have, typed as ClearBlade's request and response. */
const PARAMETER_TYPES: Readonly<Record<string, string>> = { req: 'BasicReq', resp: 'Resp' };

/**
 * The members offered after `chain.` — `chain` is the text before the dot, e.g. `ClearBlade.Messaging()`;
 * undefined when the chain does not resolve to a declared interface.
 */
export function membersAfter(model: RuntimeModel, chain: string): readonly Member[] | undefined {
  const parts = chain.replace(/\([^()]*\)/g, '').split('.');
  const head = parts.shift() ?? '';
  let type: string | undefined = model.globals.find((g) => g.name === head)?.yields ?? PARAMETER_TYPES[head];
  for (const part of parts) {
    if (type === undefined) return undefined;
    type = model.interfaces.get(type)?.find((m) => m.name === part)?.yields;
  }
  return type === undefined ? undefined : model.interfaces.get(type);
}
