// What a warm context gives back between runs. The global object is put back as it was after the prelude
// installed itself (names a run added are deleted, built-ins it replaced or deleted are restored), and the
// built-in functions the prelude itself calls are checked to be the originals. Additions to built-in
// prototypes are NOT undone (see runtime-api/README.md, "Warm runs"): checking every prototype costs more
// than a context is worth, and a service can only reach its own later runs that way.

import {
  ownKeys,
  getOwnPropertyDescriptor as getDesc,
  reflectDefineProperty as defineProp,
  deleteProperty as deleteProp,
  isExtensible,
  reflectSet as setProp,
  is,
  hasOwn as hasOwnFn,
  apply,
  reflectGet as getProp,
} from './intrinsics.js';

type Key = string | symbol;

// Annex B's Object.prototype.__lookupGetter__ (not in TypeScript's lib): the getter of a property, or undefined.
const lookupGetter = (Object.prototype as unknown as { __lookupGetter__: (key: Key) => unknown })
  .__lookupGetter__;
const mapHas = Map.prototype.has;
const mapSet = Map.prototype.set;
/** The global object's own properties at the end of the install, to put back after every run. */
// Read with index loops and captured functions only: a run may have replaced iterators or Map methods,
// and restoring must not call back into its code.
//
// Every own property of the global object is made non-configurable when snapshotted (values stay writable).
// A run can then replace a global's value, make it read-only, or ADD names, but it can neither delete a
// snapshotted name nor turn it into an accessor. So the set of own keys only grows: the same key count as
// the snapshot means no name was added (a deletion cannot hide an addition), and the restore is one value
// comparison per writable global, plus a full pass over the keys only when the count changed.
export interface GlobalSnapshot {
  readonly names: Map<Key, true>;
  /** How many own keys the global object has when nothing was added. */
  readonly count: number;
  /** Writable data globals and the values they must hold between runs. */
  readonly keys: readonly Key[];
  readonly values: readonly unknown[];
  /**
   * Assigns `values` back to the globals of `keys` by name, in strict code compiled once per context (see
   * compileAssign); undefined when it could not be compiled (every global is then set one by one).
   */
  readonly assign: ((values: readonly unknown[]) => void) | undefined;
  /** The globals `assign` does not cover (not identifier names), set one by one. */
  readonly rest: readonly number[];
  /** Built-in functions the prelude calls without holding them, with the values they had. */
  readonly intrinsics: ReadonlyArray<readonly [object, Key, unknown]>;
}

/** Records the global object as the runs must find it, and pins its names (see GlobalSnapshot). */
export function snapshotGlobals(g: object): GlobalSnapshot {
  const names = new Map<Key, true>();
  const keys: Key[] = [];
  const values: unknown[] = [];
  const all = ownKeys(g);
  for (let i = 0; i < all.length; i++) {
    const key = all[i];
    const d = getDesc(g, key);
    if (d === undefined) continue;
    apply(mapSet, names, [key, true]);
    if (d.configurable === true) defineProp(g, key, { configurable: false });
    // A read-only non-configurable data global can never change; accessors (none on a V8 global today)
    // are fixed once non-configurable.
    if (hasOwnFn(d, 'value') && d.writable === true) {
      keys.push(key);
      values.push(d.value);
    }
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
  const compiled = compileAssign(keys);
  return { names, count: all.length, keys, values, intrinsics, ...compiled };
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const FunctionCtor = Function;

/**
 * A strict function assigning each writable global its snapshot value by name (`Math = v[3]`): V8 stores
 * through the global's property cell, without the keyed lookup through the global proxy (and its access
 * check) that `Reflect.set` pays per global. Strict, so an assignment to a global a run made read-only
 * throws, as the failed `Reflect.set` answered false. The names cannot be shadowed: every name of the
 * snapshot is pinned non-configurable, and a global `let`/`const` of such a name is a SyntaxError. Built at
 * install, before any service code runs. Names that are no identifiers (symbols, `eval`, `arguments`) or
 * that do not compile are left to `Reflect.set`.
 */
function compileAssign(keys: readonly Key[]): Pick<GlobalSnapshot, 'assign' | 'rest'> {
  const lines: string[] = [];
  const rest: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (typeof key === 'string' && IDENTIFIER.test(key) && key !== 'eval' && key !== 'arguments') {
      lines.push(`${key} = v[${i}];`);
    } else rest.push(i);
  }
  try {
    const make = new FunctionCtor(`"use strict"; return function (v) { ${lines.join(' ')} };`) as () => (
      values: readonly unknown[],
    ) => void;
    return { assign: make(), rest };
  } catch {
    return { assign: undefined, rest: keys.map((_, i) => i) };
  }
}

/**
 * Puts the global object back as snapshotted; false when it cannot (a global a run made read-only, a name
 * it added as non-configurable, a global object made non-extensible), and then the context must not serve
 * another run.
 */
export function restoreGlobals(g: object, snap: GlobalSnapshot): boolean {
  let clean = isExtensible(g);
  const now = ownKeys(g);
  // Names are never removed (all pinned), so an unchanged count means nothing was added.
  if (now.length !== snap.count) {
    for (let i = 0; i < now.length; i++) {
      if (apply(mapHas, snap.names, [now[i]]) !== true && !deleteProp(g, now[i])) clean = false;
    }
  }
  // Set unconditionally: a set fails exactly when the run made the global read-only (same value or not).
  const keys = snap.keys;
  const values = snap.values;
  if (snap.assign !== undefined) {
    try {
      snap.assign(values);
    } catch {
      // A global made read-only stopped the assignments: set each one, to put back all that can be.
      for (let i = 0; i < keys.length; i++) setProp(g, keys[i], values[i]);
      return false;
    }
  }
  const rest = snap.rest;
  for (let i = 0; i < rest.length; i++) if (!setProp(g, keys[rest[i]], values[rest[i]])) clean = false;
  return clean;
}

/**
 * Whether a built-in the prelude relies on was replaced: the context is then in doubt. Checked per run
 * without allocating a descriptor: own (so no prototype's getter or proxy trap is consulted), no getter
 * (`__lookupGetter__` stops at the own property), and the same value; an own accessor without a getter reads
 * as undefined, which is never the original.
 */
export function intrinsicsChanged(snap: GlobalSnapshot): boolean {
  const list = snap.intrinsics;
  for (let i = 0; i < list.length; i++) {
    const entry = list[i];
    const holder = entry[0];
    const key = entry[1];
    if (!hasOwnFn(holder, key) || apply(lookupGetter, holder, [key]) !== undefined) return true;
    if (!is(getProp(holder, key), entry[2])) return true;
  }
  return false;
}
