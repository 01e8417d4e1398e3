// Warm isolates per service version. A run takes one (idle, or new), and gives it back when it ended
// cleanly; anything the engine had to stop is disposed, never reused. Beyond `maxIsolates` busy + idle,
// runs queue for one; idle isolates of other versions are evicted first.

import { IsobarError } from '../runtime-api/errors/index.js';
import { createBlank, Sandbox, type Blank, type SandboxOptions } from './sandbox.js';
import type { ServiceVersion } from './types.js';

export interface PoolOptions {
  readonly maxIsolates: number;
  readonly maxIdlePerVersion: number;
  /** Options of a version's sandboxes; `dedicated` for a stream instance's own isolate. */
  readonly sandbox: (version: ServiceVersion, dedicated?: boolean) => SandboxOptions;
  /** Blank isolates kept ready for new versions with the default memory limit (0: none). */
  readonly blanks: number;
  readonly defaultMemoryMb: number;
  readonly onCatastrophicError: (message: string) => void;
  readonly onError: (what: string, err: unknown) => void;
}

/** The key of one version. */
export const versionKey = (v: Pick<ServiceVersion, 'systemKey' | 'name' | 'version'>): string =>
  `${v.systemKey}/${v.name}@${v.version}`;
const serviceKey = (systemKey: string, name: string): string => `${systemKey}/${name}@`;

export class IsolatePool {
  readonly #options: PoolOptions;
  /** Idle isolates by version key; Map order doubles as least-recently-used order for eviction. */
  readonly #idle = new Map<string, Sandbox[]>();
  readonly #busy = new Set<Sandbox>();
  readonly #waiting: Array<() => void> = [];
  /** Versions retired while busy: their isolates are disposed on release. */
  readonly #retired = new Set<string>();
  readonly #blanks: Blank[] = [];
  #refilling = false;
  #closed = false;

  constructor(options: PoolOptions) {
    this.#options = options;
  }

  get size(): number {
    let n = this.#busy.size;
    for (const list of this.#idle.values()) n += list.length;
    return n;
  }

  /** Ensures one warm isolate of `version` is idle; returns its compile error, if any. */
  async prepare(version: ServiceVersion): Promise<string | undefined> {
    const key = versionKey(version);
    this.#retired.delete(key);
    const idle = this.#idle.get(key);
    if (idle !== undefined && idle.length > 0) return idle[0].compileError;
    const sandbox = await this.#create(version);
    if (sandbox.compileError === undefined) {
      sandbox.warm();
      this.#pushIdle(key, sandbox);
    } else {
      sandbox.dispose();
    }
    return sandbox.compileError;
  }

  /**
   * An isolate for one run of `version`. `overdraft`: may go beyond `maxIsolates` (a run whose caller waits
   * for it in `Code().execute`; chains are bounded by the call-depth limit).
   */
  async acquire(version: ServiceVersion, overdraft = false): Promise<Sandbox> {
    if (this.#closed) throw new IsobarError('CB_ERR_SANDBOX_CLOSED');
    const key = versionKey(version);
    this.#retired.delete(key);
    const idle = this.#idle.get(key);
    const warm = idle === undefined ? undefined : takeReady(idle);
    if (idle !== undefined && idle.length === 0) this.#idle.delete(key);
    if (warm !== undefined) {
      this.#busy.add(warm);
      return warm;
    }
    while (!overdraft && this.size >= this.#options.maxIsolates && !this.#evictOne()) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
      if (this.#closed) throw new IsobarError('CB_ERR_SANDBOX_CLOSED');
    }
    const sandbox = await this.#create(version);
    this.#busy.add(sandbox);
    return sandbox;
  }

  /** Gives an isolate back: kept warm when `healthy` and wanted, else disposed. */
  release(sandbox: Sandbox, healthy: boolean): void {
    this.#busy.delete(sandbox);
    const key = versionKey(sandbox.version);
    const idle = this.#idle.get(key) ?? [];
    if (
      healthy &&
      !this.#closed &&
      !sandbox.disposed &&
      !this.#retired.has(key) &&
      idle.length < this.#options.maxIdlePerVersion
    ) {
      sandbox.warm();
      this.#pushIdle(key, sandbox);
    } else {
      sandbox.dispose();
    }
    this.#waiting.shift()?.();
  }

  /** Disposes idle isolates of a service's versions (all but `keep`); busy ones go when released. */
  retire(systemKey: string, name: string, keep?: number): void {
    const prefix = serviceKey(systemKey, name);
    for (const [key, list] of this.#idle) {
      if (!key.startsWith(prefix) || (keep !== undefined && key === `${prefix}${keep}`)) continue;
      for (const s of list) s.dispose();
      this.#idle.delete(key);
    }
    for (const s of this.#busy) {
      const key = versionKey(s.version);
      if (key.startsWith(prefix) && (keep === undefined || key !== `${prefix}${keep}`))
        this.#retired.add(key);
    }
    while (this.#waiting.length > 0 && this.size < this.#options.maxIsolates) this.#waiting.shift()?.();
  }

  /** A sandbox outside the pool (stream instances): disposed by its owner. */
  dedicated(version: ServiceVersion): Promise<Sandbox> {
    if (this.#closed) return Promise.reject(new IsobarError('CB_ERR_SANDBOX_CLOSED'));
    return this.#create(version, true);
  }

  /** Heap used by the pooled isolates (idle and busy), bytes: read at metrics scrape time, not per run. */
  heapUsedBytes(): number {
    let bytes = 0;
    const add = (s: Sandbox) => {
      if (!s.disposed) bytes += s.isolate.getHeapStatisticsSync().used_heap_size;
    };
    for (const s of this.#busy) add(s);
    for (const list of this.#idle.values()) for (const s of list) add(s);
    return bytes;
  }

  /** Disposes idle isolates; busy ones are disposed as their runs end. */
  close(): void {
    this.#closed = true;
    for (const b of this.#blanks.splice(0)) b.isolate.dispose();
    for (const list of this.#idle.values()) for (const s of list) s.dispose();
    this.#idle.clear();
    for (const w of this.#waiting.splice(0)) w();
  }

  #create(version: ServiceVersion, dedicated = false): Promise<Sandbox> {
    const options = this.#options.sandbox(version, dedicated);
    const blank = options.memoryLimitMb === this.#options.defaultMemoryMb ? this.#blanks.shift() : undefined;
    this.#refill();
    return Sandbox.create(version, options, blank);
  }

  /**
   * Tops up the reserve of blank isolates in the background, one at a time. `new Isolate` is synchronous
   * (~1 ms of Node's thread), so it runs on a later turn, never inside the call that took a blank.
   */
  #refill(): void {
    if (this.#refilling || this.#closed || this.#blanks.length >= this.#options.blanks) return;
    this.#refilling = true;
    setImmediate(() => this.#refillNow());
  }

  #refillNow(): void {
    if (this.#closed) {
      this.#refilling = false;
      return;
    }
    createBlank(this.#options.defaultMemoryMb, this.#options.onCatastrophicError).then(
      (blank) => {
        this.#refilling = false;
        if (this.#closed) return blank.isolate.dispose();
        this.#blanks.push(blank);
        this.#refill();
      },
      (err: unknown) => {
        this.#refilling = false;
        this.#options.onError('blank isolate', err);
      },
    );
  }

  #pushIdle(key: string, sandbox: Sandbox): void {
    const list = this.#idle.get(key) ?? [];
    this.#idle.delete(key); // re-insert: most recently used last
    list.push(sandbox);
    this.#idle.set(key, list);
  }

  /** Disposes the least recently used idle isolate; false when none is idle. */
  #evictOne(): boolean {
    for (const [key, list] of this.#idle) {
      const victim = list.shift();
      if (list.length === 0) this.#idle.delete(key);
      if (victim !== undefined) {
        victim.dispose();
        return true;
      }
    }
    return false;
  }
}

/** The most recently used idle isolate with a spare context built, else the most recently used one. */
function takeReady(idle: Sandbox[]): Sandbox | undefined {
  for (let i = idle.length - 1; i >= 0; i--) if (idle[i].ready) return idle.splice(i, 1)[0];
  return idle.pop();
}
