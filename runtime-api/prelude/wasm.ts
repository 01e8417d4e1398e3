// WebAssembly in the sandbox. V8 keeps a Wasm memory outside the heap that the isolate's memoryLimit bounds
// (measured: one grew to 400 MB in a 32 MB isolate), so by default the global is removed. A service that
// enables it gets wrappers that charge every memory a module defines, at its DECLARED MAXIMUM, against the
// run's budget when it is instantiated (and every `new WebAssembly.Memory`): V8 never grows a memory past
// its maximum, so the charges bound the real size. A memory without a maximum, or past what is left of the
// budget, ends the run (CB_ERR_SANDBOX_WASM_MEMORY). Everything is compiled synchronously from a copy of
// the bytes the wrapper read itself, so user code cannot show the parser one module and V8 another.

/** Ends the run with the Wasm limit's code; returns only if the host did not (it always does). */
export type Breach = () => never;

type Obj = Record<string | symbol, unknown>;
type Ctor = new (...args: unknown[]) => object;

const PAGE_BYTES = 65536;

/**
 * Removes `WebAssembly`, or (budgetMb > 0) replaces it with the bounded wrappers. Runs before user code.
 * Returns whether any memory was charged since: a warm context is replaced after a run that used Wasm, so
 * memories a run kept reachable (say on a prototype) never add up across runs beyond one budget.
 */
export function installWasm(g: Obj, budgetMb: number, breach: Breach): () => boolean {
  const original = g.WebAssembly as Obj | undefined;
  delete g.WebAssembly;
  let charged = false;
  const used = () => charged;
  if (!(budgetMb > 0) || original === undefined || original === null) return used;
  const onCharge = () => {
    charged = true;
  };
  Object.defineProperty(g, 'WebAssembly', {
    value: boundedWasm(original, budgetMb * ((1024 * 1024) / PAGE_BYTES), breach, onCharge),
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return used;
}

/** The wrapped namespace; intrinsics are captured now, before user code can replace them. */
function boundedWasm(o: Obj, budgetPages: number, breach: Breach, onCharge: () => void): Obj {
  const OModule = o.Module as Ctor & Obj;
  const OInstance = o.Instance as Ctor;
  const OMemory = o.Memory as Ctor;
  const OCompileError = o.CompileError as new (message: string) => Error;
  const U8 = Uint8Array;
  const P = Promise;
  const TypeErr = TypeError;
  const defineProperty = Object.defineProperty;
  const isView = ArrayBuffer.isView;
  const uncurry = (f: unknown) => Function.prototype.call.bind(f as (...a: unknown[]) => unknown);
  const TA = Object.getPrototypeOf(U8.prototype) as object;
  const getter = (proto: object, name: string) =>
    uncurry(Object.getOwnPropertyDescriptor(proto, name)?.get) as (self: unknown) => unknown;
  const taBuffer = getter(TA, 'buffer');
  const taOffset = getter(TA, 'byteOffset');
  const taLength = getter(TA, 'byteLength');
  const dvBuffer = getter(DataView.prototype, 'buffer');
  const dvOffset = getter(DataView.prototype, 'byteOffset');
  const dvLength = getter(DataView.prototype, 'byteLength');
  const taTag = getter(TA, Symbol.toStringTag as unknown as string);
  const setBytes = uncurry((TA as { set: unknown }).set) as (self: Uint8Array, src: Uint8Array) => void;
  const pagesOf = new WeakMap<object, number>();
  let used = 0;

  const fits = (pages: number): void => {
    if (!(used + pages <= budgetPages)) breach();
  };

  /** A private copy of a BufferSource (ArrayBuffer, SharedArrayBuffer, typed array or DataView). */
  const copyBytes = (src: unknown): Uint8Array => {
    if (typeof src !== 'object' || src === null) throw new TypeErr('WebAssembly: a BufferSource is needed');
    let view: Uint8Array;
    if (isView(src)) {
      view =
        taTag(src) !== undefined
          ? new U8(taBuffer(src) as ArrayBuffer, taOffset(src) as number, taLength(src) as number)
          : new U8(dvBuffer(src) as ArrayBuffer, dvOffset(src) as number, dvLength(src) as number);
    } else {
      view = new U8(src as ArrayBuffer);
    }
    const copy = new U8(taLength(view) as number);
    setBytes(copy, view);
    return copy;
  };

  /** Compiles a copy of `src` after checking its memories; the module remembers its pages. */
  const compile = (src: unknown): object => {
    const bytes = copyBytes(src);
    const pages = declaredPages(bytes, taLength(bytes) as number);
    if (pages < 0) throw new OCompileError('WebAssembly.Module: not a valid module');
    if (!(pages <= budgetPages)) breach();
    const module = new OModule(bytes);
    pagesOf.set(module, pages);
    return module;
  };

  const instance = (module: unknown, imports: unknown): object => {
    const pages = typeof module === 'object' && module !== null ? pagesOf.get(module) : undefined;
    if (pages === undefined)
      throw new TypeErr('WebAssembly.Instance: argument 0 must be a WebAssembly.Module');
    fits(pages);
    const made = new OInstance(module, imports);
    used += pages;
    onCharge();
    return made;
  };

  const settle = <T>(fn: () => T): Promise<T> =>
    new P<T>((resolve, reject) => {
      try {
        resolve(fn());
      } catch (err) {
        reject(err);
      }
    });

  function Module(this: unknown, src: unknown): object {
    if (new.target === undefined) throw new TypeErr("WebAssembly.Module must be invoked with 'new'");
    return compile(src);
  }
  function Instance(this: unknown, module: unknown, imports?: unknown): object {
    if (new.target === undefined) throw new TypeErr("WebAssembly.Instance must be invoked with 'new'");
    return instance(module, imports);
  }
  function Memory(this: unknown, descriptor: unknown): object {
    if (new.target === undefined) throw new TypeErr("WebAssembly.Memory must be invoked with 'new'");
    const d = (typeof descriptor === 'object' && descriptor !== null ? descriptor : {}) as Obj;
    const initial = Number(d.initial);
    const rawMax = d.maximum;
    const shared = d.shared === true;
    // No maximum: the rest of the budget is the maximum (V8 would otherwise allow 4 GB).
    const maximum = rawMax === undefined ? budgetPages - used : Number(rawMax);
    if (!(maximum >= 0)) throw new TypeErr('WebAssembly.Memory: maximum must be a number');
    fits(maximum);
    const made = new OMemory({ initial, maximum, shared });
    used += maximum;
    onCharge();
    return made;
  }
  for (const [wrapper, inner] of [
    [Module, OModule],
    [Instance, OInstance],
    [Memory, OMemory],
  ] as const) {
    const proto = (inner as unknown as { prototype: object }).prototype;
    defineProperty(wrapper, 'prototype', { value: proto, writable: false });
    // Otherwise `Object.getPrototypeOf(x).constructor` hands back the unbounded original.
    defineProperty(proto, 'constructor', { value: wrapper, writable: true, configurable: true });
  }
  for (const name of ['exports', 'imports', 'customSections']) {
    defineProperty(Module, name, { value: OModule[name], writable: true, configurable: true });
  }

  const ns: Obj = {
    Module,
    Instance,
    Memory,
    validate: o.validate,
    compile: (src: unknown) => settle(() => compile(src)),
    instantiate: (src: unknown, imports?: unknown) =>
      settle(() => {
        if (typeof src === 'object' && src !== null && pagesOf.has(src)) return instance(src, imports);
        const module = compile(src);
        return { module, instance: instance(module, imports) };
      }),
  };
  // Tables and globals live on the V8 heap (bounded by memoryLimit); errors and tags hold nothing.
  for (const name of ['Table', 'Global', 'Tag', 'Exception', 'CompileError', 'LinkError', 'RuntimeError']) {
    if (o[name] !== undefined) ns[name] = o[name];
  }
  return ns;
}

/**
 * Sum of the declared maximum pages of the memories a module defines (section 5); Infinity when one has
 * no maximum or is a 64-bit memory; -1 when the bytes are not a module we can read (refused as a
 * CompileError: nothing we could not measure reaches V8). Imported memories were charged when created.
 */
function declaredPages(b: Uint8Array, length: number): number {
  let pos = 8;
  const leb = (): number => {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= length) throw new RangeError('truncated');
      const byte = b[pos++];
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new RangeError('bad LEB128');
  };
  try {
    if (length < 8 || b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d) return -1;
    let pages = 0;
    while (pos < length) {
      const id = b[pos++];
      const size = leb();
      const end = pos + size;
      if (end > length) return -1;
      if (id === 5) {
        for (let n = leb(); n > 0; n--) {
          const flags = b[pos++];
          if ((flags & ~0x03) !== 0 || (flags & 0x01) === 0) return Infinity;
          leb(); // initial
          pages += leb();
        }
      }
      pos = end;
    }
    return pages;
  } catch {
    return -1;
  }
}
