// Order statistics of benchmark samples, by nearest rank: every figure reported is one measured
// sample (the median of 3 is the middle run), never an interpolation between two.

/** The item at the p-th percentile (p in 0..100) by `key`; undefined when there are none. */
export function percentileBy<T>(items: readonly T[], p: number, key: (item: T) => number): T | undefined {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The p-th percentile (p in 0..100) of `values`; null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  return percentileBy(values, p, (v) => v) ?? null;
}

/** The median item by `key` (of an even count, the lower middle one). */
export function medianBy<T>(items: readonly T[], key: (item: T) => number): T {
  const m = percentileBy(items, 50, key);
  if (m === undefined) throw new Error('median of no samples');
  return m;
}

/** The median of `values` (of an even count, the lower middle one). */
export function median(values: readonly number[]): number {
  return medianBy(values, (v) => v);
}
