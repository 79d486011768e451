import { studentTCdf } from '../evaluation/index.js';

export interface DegradationResult {
  degraded: boolean;
  /** One-sided p-value of "live mean loss <= the registered out-of-sample loss". */
  pValue: number;
  samples: number;
  liveLoss: number;
  registeredLoss: number;
}

/**
 * The `degradation` trigger's test: a one-sample t-test of a production model's realised squared errors
 * against the out-of-sample MSE it was registered with. Too few samples is never degraded.
 */
export function degradationTest(
  liveLosses: readonly number[],
  registeredLoss: number,
  options: { alpha: number; minSamples: number },
): DegradationResult {
  const n = liveLosses.length;
  const liveLoss = n ? liveLosses.reduce((s, v) => s + v, 0) / n : Number.NaN;
  const base = { samples: n, liveLoss, registeredLoss };
  if (n < Math.max(2, options.minSamples)) return { degraded: false, pValue: 1, ...base };
  const variance = liveLosses.reduce((s, v) => s + (v - liveLoss) ** 2, 0) / (n - 1);
  if (!(variance > 0)) {
    const worse = liveLoss > registeredLoss;
    return { degraded: worse, pValue: worse ? 0 : 1, ...base };
  }
  const t = (liveLoss - registeredLoss) / Math.sqrt(variance / n);
  const pValue = 1 - studentTCdf(t, n - 1);
  return { degraded: pValue < options.alpha, pValue, ...base };
}
