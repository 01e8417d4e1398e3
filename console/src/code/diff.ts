// A line diff of two versions of a service (longest common subsequence), small enough to own: sources
// are kilobytes, and past MAX_CELLS the table would be large, so the middle is shown as replaced whole.

/** One line of a diff: kept, removed from the old text or added in the new one. */
export interface DiffLine {
  readonly op: ' ' | '-' | '+';
  readonly text: string;
}

/** Above this many table cells (old lines × new lines) the differing middle is not aligned. */
export const MAX_CELLS = 4_000_000;

/** Lines of `a` and `b` with the common ones kept and the rest marked removed or added. */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = a.split('\n');
  const y = b.split('\n');
  // Common head and tail first: most edits touch a few lines.
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (
    tail < x.length - head &&
    tail < y.length - head &&
    x[x.length - 1 - tail] === y[y.length - 1 - tail]
  )
    tail++;
  const xs = x.slice(head, x.length - tail);
  const ys = y.slice(head, y.length - tail);
  const out: DiffLine[] = x.slice(0, head).map((text) => ({ op: ' ', text }));
  out.push(...middle(xs, ys));
  out.push(...x.slice(x.length - tail).map((text) => ({ op: ' ' as const, text })));
  return out;
}

function middle(xs: readonly string[], ys: readonly string[]): DiffLine[] {
  const n = xs.length;
  const m = ys.length;
  if (n * m > MAX_CELLS)
    return [
      ...xs.map((text) => ({ op: '-' as const, text })),
      ...ys.map((text) => ({ op: '+' as const, text })),
    ];
  // lcs[i][j]: length of the common subsequence of xs[i..] and ys[j..], in one flat array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i * w + j] =
        xs[i] === ys[j]
          ? (lcs[(i + 1) * w + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * w + j] ?? 0, lcs[i * w + j + 1] ?? 0);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (xs[i] === ys[j]) {
      out.push({ op: ' ', text: xs[i] ?? '' });
      i++;
      j++;
    } else if ((lcs[(i + 1) * w + j] ?? 0) >= (lcs[i * w + j + 1] ?? 0))
      out.push({ op: '-', text: xs[i++] ?? '' });
    else out.push({ op: '+', text: ys[j++] ?? '' });
  }
  while (i < n) out.push({ op: '-', text: xs[i++] ?? '' });
  while (j < m) out.push({ op: '+', text: ys[j++] ?? '' });
  return out;
}
