import { studentTCdf } from '../evaluation/index.js';

export interface WelchResult {
  /** (mean(a) - mean(b)) / sqrt(s_a^2/n_a + s_b^2/n_b). */
  statistic: number;
  /** Welch-Satterthwaite degrees of freedom. */
  df: number;
  /** One-sided p-value of H0 "mean(a) <= mean(b)" against H1 "mean(a) > mean(b)". */
  pGreater: number;
  /** Two-sided p-value (what R's `t.test(a, b)` prints). */
  pTwoSided: number;
  meanA: number;
  meanB: number;
  nA: number;
  nB: number;
}

function meanVar(x: ArrayLike<number>): { mean: number; variance: number } {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]! / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i]! - mean) ** 2;
  return { mean, variance: n > 1 ? ss / (n - 1) : 0 };
}

/**
 * Welch's unequal-variance t-test (Welch 1947), the unpaired test of the canary verdict: the canary and
 * production see different requests. Fewer than two samples on a side, or no variance at all, yields
 * p = 1 either way (no evidence), never a promotion by accident.
 */
export function welchTTest(a: ArrayLike<number>, b: ArrayLike<number>): WelchResult {
  const nA = a.length;
  const nB = b.length;
  const A = meanVar(a);
  const B = meanVar(b);
  const base = { meanA: A.mean, meanB: B.mean, nA, nB };
  const seA = nA > 0 ? A.variance / nA : 0;
  const seB = nB > 0 ? B.variance / nB : 0;
  const se2 = seA + seB;
  if (nA < 2 || nB < 2 || !(se2 > 0)) return { statistic: 0, df: 0, pGreater: 1, pTwoSided: 1, ...base };
  const statistic = (A.mean - B.mean) / Math.sqrt(se2);
  const df = se2 ** 2 / (seA ** 2 / (nA - 1) + seB ** 2 / (nB - 1));
  const upper = 1 - studentTCdf(statistic, df);
  return { statistic, df, pGreater: upper, pTwoSided: 2 * Math.min(upper, 1 - upper), ...base };
}
