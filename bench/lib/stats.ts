// Latency histogram / percentiles and CPU-per-message helpers shared by the benches.

/** Collects samples (any unit) and answers percentiles. */
export interface Samples {
  add(value: number): void;
  readonly count: number;
  /** p in [0, 100]. */
  percentile(p: number): number;
}

/** Creates a sample set backed by a growable Float64Array. */
export function createSamples(initial = 1 << 16): Samples {
  let data = new Float64Array(initial);
  let n = 0;
  let sorted: Float64Array | undefined;
  return {
    add(value) {
      if (n === data.length) {
        const bigger = new Float64Array(data.length * 2);
        bigger.set(data);
        data = bigger;
      }
      data[n++] = value;
      sorted = undefined;
    },
    get count() {
      return n;
    },
    percentile(p) {
      if (n === 0) return NaN;
      sorted ??= data.slice(0, n).sort();
      const index = Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));
      return sorted[index];
    },
  };
}

/** CPU microseconds (user + system) between two process.cpuUsage() readings. */
export function cpuMicros(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system;
}

/** Formats a number with a fixed count of decimals and thousands separators. */
export function fmt(value: number, decimals = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** Prints rows as an aligned text table. */
export function table(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))
    .join('\n');
}
