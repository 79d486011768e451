import { studentTCdf } from './distributions.js';

export interface DieboldMarianoResult {
  /** HLN-corrected statistic; positive when the model's loss is lower than the benchmark's. */
  statistic: number;
  /** One-sided p-value of H0 "the model is no better than the benchmark", Student t with n - 1 df. */
  pValue: number;
  samples: number;
  meanLossDifferential: number;
}

/**
 * Diebold-Mariano (1995) test of equal predictive accuracy on the loss differential
 * d_t = L(benchmark_t) - L(model_t), with the Newey-West (Bartlett-weighted) long-run variance up to lag h - 1
 * and the Harvey-Leybourne-Newbold (1997) small-sample correction, referred to Student t with n - 1 degrees of
 * freedom. One-sided: a small p-value rejects "the model is no better than the benchmark". Degenerate input
 * (no variation in d) yields p = 1 when the model is not strictly better, so a forecast identical to the
 * benchmark never passes.
 */
export function dieboldMariano(
  modelLoss: ArrayLike<number>,
  benchmarkLoss: ArrayLike<number>,
  h = 1,
): DieboldMarianoResult {
  const n = modelLoss.length;
  if (n !== benchmarkLoss.length) throw new RangeError('loss series differ in length');
  if (!Number.isInteger(h) || h < 1 || h > n) throw new RangeError(`horizon ${h} for ${n} samples`);
  if (n < 3) return { statistic: 0, pValue: 1, samples: n, meanLossDifferential: 0 };
  const d = new Float64Array(n);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    d[i] = benchmarkLoss[i]! - modelLoss[i]!;
    mean += d[i]! / n;
  }
  const autocov = (k: number) => {
    let s = 0;
    for (let i = k; i < n; i++) s += (d[i]! - mean) * (d[i - k]! - mean);
    return s / n;
  };
  let longRun = autocov(0);
  for (let k = 1; k < h; k++) longRun += 2 * (1 - k / h) * autocov(k);
  if (!(longRun > 0) || !Number.isFinite(longRun)) {
    return { statistic: 0, pValue: mean > 0 && Number.isFinite(mean) ? 0 : 1, samples: n, meanLossDifferential: mean };
  }
  const dm = mean / Math.sqrt(longRun / n);
  const hln = Math.sqrt((n + 1 - 2 * h + (h * (h - 1)) / n) / n);
  const statistic = dm * hln;
  return { statistic, pValue: 1 - studentTCdf(statistic, n - 1), samples: n, meanLossDifferential: mean };
}

export function squaredErrors(pred: ArrayLike<number>, actual: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: actual.length }, (_, i) => (pred[i]! - actual[i]!) ** 2);
}
