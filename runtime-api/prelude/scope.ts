// What a warm context gives back between runs. The global object is put back as it was after the prelude
// installed itself (names a run added are deleted, built-ins it replaced or deleted are restored), and the
// built-in functions the prelude itself calls are checked to be the originals. Additions to built-in
// prototypes are NOT undone (see runtime-api/README.md, "Warm runs"): checking every prototype costs more
// than a context is worth, and a service can only reach its own later runs that way.

type Key = string | symbol;

const ownKeys = Reflect.ownKeys;
const getDesc = Reflect.getOwnPropertyDescriptor;
const defineProp = Reflect.defineProperty;
const deleteProp = Reflect.deleteProperty;
const isExtensible = Reflect.isExtensible;
const is = Object.is;
const apply = Reflect.apply;
const mapHas = Map.prototype.has;
const mapSet = Map.prototype.set;
const hasOwn = Object.prototype.hasOwnProperty;
const create = Object.create;
const FIELDS = ['value', 'get', 'set', 'writable', 'enumerable', 'configurable'] as const;

/** A descriptor's own field: a descriptor inherits from Object.prototype, which a run may have extended. */
function field(d: PropertyDescriptor, name: (typeof FIELDS)[number]): unknown {
  return apply(hasOwn, d, [name]) === true ? d[name] : undefined;
}

/** A copy without a prototype, safe to hand to defineProperty whatever Object.prototype holds. */
function bare(d: PropertyDescriptor): PropertyDescriptor {
  const out = create(null) as Record<string, unknown>;
  for (let i = 0; i < FIELDS.length; i++) {
    if (apply(hasOwn, d, [FIELDS[i]]) === true) out[FIELDS[i]] = d[FIELDS[i]];
  }
  return out as PropertyDescriptor;
}

/** The global object's own properties at the end of the install, to put back after every run. */
// Read with index loops and captured functions only: a run may have replaced iterators or Map methods,
// and restoring must not call back into its code.
export interface GlobalSnapshot {
  readonly names: Map<Key, true>;
  readonly keys: readonly Key[];
  readonly descriptors: readonly PropertyDescriptor[];
  /** Built-in functions the prelude calls without holding them, with the values they had. */
  readonly intrinsics: ReadonlyArray<readonly [object, Key, unknown]>;
}

/** Records the global object as the runs must find it. */
export function snapshotGlobals(g: object): GlobalSnapshot {
  const names = new Map<Key, true>();
  const keys: Key[] = [];
  const descriptors: PropertyDescriptor[] = [];
  for (const key of ownKeys(g)) {
    const d = getDesc(g, key);
    if (d === undefined) continue;
    apply(mapSet, names, [key, true]);
    keys.push(key);
    descriptors.push(bare(d));
  }
  const intrinsics: Array<readonly [object, Key, unknown]> = [];
  const watch = (holder: object, keys: readonly Key[]) => {
    for (const key of keys) intrinsics.push([holder, key, getDesc(holder, key)?.value]);
  };
  // What the prelude uses at run time through a prototype or namespace lookup (see prelude/*.ts): a run
  // replacing one of these could see (or change) the next run's requests through the prelude.
  watch(Function.prototype, ['call', 'apply', 'bind']);
  watch(Array.prototype, ['push', 'slice', 'splice', 'filter', 'join', Symbol.iterator]);
  watch(Object, ['keys', 'entries', 'defineProperty', 'getPrototypeOf', 'freeze']);
  watch(String.prototype, ['slice', 'charAt', 'indexOf', 'split', 'startsWith', 'includes']);
  watch(Map.prototype, ['get', 'set', 'has', 'delete']);
  watch(Set.prototype, ['has', 'add']);
  watch(Promise.prototype, ['then']);
  watch(Promise, ['resolve']);
  watch(JSON, ['parse', 'stringify']);
  return { names, keys, descriptors, intrinsics };
}

function same(a: PropertyDescriptor, b: PropertyDescriptor): boolean {
  for (let i = 0; i < FIELDS.length; i++) if (!is(field(a, FIELDS[i]), field(b, FIELDS[i]))) return false;
  return true;
}

/**
 * Puts the global object back as snapshotted; false when it cannot (a name a run made non-configurable, a
 * global object made non-extensible), and then the context must not serve another run.
 */
export function restoreGlobals(g: object, snap: GlobalSnapshot): boolean {
  let clean = isExtensible(g);
  const keys = ownKeys(g);
  for (let i = 0; i < keys.length; i++) {
    if (apply(mapHas, snap.names, [keys[i]]) !== true && !deleteProp(g, keys[i])) clean = false;
  }
  for (let i = 0; i < snap.keys.length; i++) {
    const d = snap.descriptors[i];
    const now = getDesc(g, snap.keys[i]);
    if (now !== undefined && same(now, d)) continue;
    if (!defineProp(g, snap.keys[i], d)) clean = false;
  }
  return clean;
}

/** Whether a built-in the prelude relies on was replaced: the context is then in doubt. */
export function intrinsicsChanged(snap: GlobalSnapshot): boolean {
  const list = snap.intrinsics;
  for (let i = 0; i < list.length; i++) {
    const entry = list[i];
    const d = getDesc(entry[0], entry[1]);
    if (d === undefined || !is(field(d, 'value'), entry[2])) return true;
  }
  return false;
}
