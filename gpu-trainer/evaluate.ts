/** Evenly spaced points of a long curve, first and last kept. */
export function downsample(values: ArrayLike<number>, maxPoints: number): number[] {
  if (values.length <= maxPoints) return Array.from(values);
  const out: number[] = [];
  for (let i = 0; i < maxPoints; i++) out.push(values[Math.round((i * (values.length - 1)) / (maxPoints - 1))]!);
  return out;
}

/** Histogram with decile edges from the data itself; the drift check bins live values with the same edges. */
export function histogram(values: ArrayLike<number>, bins = 10): { edges: number[]; counts: number[] } {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return { edges: [0, 1], counts: [0] };
  const edges: number[] = [];
  for (let b = 0; b <= bins; b++)
    edges.push(sorted[Math.min(sorted.length - 1, Math.floor((b * (sorted.length - 1)) / bins))]!);
  const counts = new Array<number>(bins).fill(0);
  for (const v of sorted) {
    let b = 0;
    while (b < bins - 1 && v > edges[b + 1]!) b++;
    counts[b]!++;
  }
  return { edges, counts };
}
