/**
 * Population Stability Index between a baseline histogram and a live sample binned on the same edges:
 *   PSI = sum_i (a_i - e_i) * ln(a_i / e_i)
 * with e_i, a_i the baseline and live bin fractions. Empty bins would make the log infinite, so both
 * sides get a small epsilon before normalising (the common practice; 1e-4 keeps a single empty bin from
 * dominating while still penalising a bin that emptied out).
 */
export const PSI_EPSILON = 1e-4;

export function psiFromCounts(
  expectedCounts: readonly number[],
  actualCounts: readonly number[],
  epsilon = PSI_EPSILON,
): number {
  if (expectedCounts.length !== actualCounts.length) {
    throw new Error(`PSI needs the same bins on both sides: ${expectedCounts.length} vs ${actualCounts.length}`);
  }
  if (expectedCounts.length === 0) throw new Error('PSI needs at least one bin');
  const eTotal = expectedCounts.reduce((s, x) => s + x, 0);
  const aTotal = actualCounts.reduce((s, x) => s + x, 0);
  if (!(eTotal > 0) || !(aTotal > 0)) throw new Error('PSI needs non-empty histograms on both sides');
  let psi = 0;
  for (let i = 0; i < expectedCounts.length; i++) {
    const e = Math.max(expectedCounts[i]! / eTotal, epsilon);
    const a = Math.max(actualCounts[i]! / aTotal, epsilon);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

/**
 * Counts of `values` in the bins given by ascending `edges` (n + 1 edges for n bins), with the trainer's
 * convention (gpu-trainer/evaluate.ts): bin b holds edges[b] < v <= edges[b + 1], the first bin also
 * everything below, the last everything above. Quantile edges are data points, so matching which side
 * a value on an edge falls is what keeps a no-drift sample at PSI ~ 0. Non-finite values are skipped.
 */
export function histogram(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const bins = edges.length - 1;
  if (bins < 1) throw new Error('histogram needs at least two edges');
  const counts = new Array<number>(bins).fill(0);
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (!Number.isFinite(v)) continue;
    // Smallest b with v <= edges[b + 1], searched over b in [0, bins - 1].
    let lo = 0;
    let hi = bins - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v <= edges[mid + 1]!) hi = mid;
      else lo = mid + 1;
    }
    counts[lo] = counts[lo]! + 1;
  }
  return counts;
}

export function psi(
  baseline: { edges: readonly number[]; counts: readonly number[] },
  liveValues: ArrayLike<number>,
): number {
  return psiFromCounts(baseline.counts, histogram(liveValues, baseline.edges));
}

/** Conventional reading of PSI: < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 significant. */
export function psiBand(value: number): 'stable' | 'moderate' | 'significant' {
  if (value < 0.1) return 'stable';
  if (value <= 0.25) return 'moderate';
  return 'significant';
}
