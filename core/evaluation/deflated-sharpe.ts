import { normalCdf, normalQuantile } from './distributions.js';

const EULER_GAMMA = 0.5772156649015329;

/**
 * Expected maximum of `trials` Sharpe ratios under the null of no skill, given the variance of the trials'
 * Sharpe ratios (Bailey & López de Prado 2014, eq. 6, from extreme value theory). Same units as the variance's
 * square root (per period when the variance is of per-period Sharpes).
 */
export function expectedMaxSharpe(trials: number, sharpeVariance: number): number {
  if (trials <= 1) return 0;
  const z =
    (1 - EULER_GAMMA) * normalQuantile(1 - 1 / trials) + EULER_GAMMA * normalQuantile(1 - 1 / (trials * Math.E));
  return Math.sqrt(Math.max(0, sharpeVariance)) * z;
}

/**
 * Probabilistic Sharpe ratio: P(true Sharpe > benchmark) given the observed per-period Sharpe over
 * `observations` returns with the returns' skewness and (non-excess) kurtosis (Bailey & López de Prado 2012).
 */
export function probabilisticSharpe(
  sharpe: number,
  benchmark: number,
  observations: number,
  skewness: number,
  kurtosis: number,
): number {
  if (observations < 2) return 0;
  const denom = 1 - skewness * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
  if (!(denom > 0)) return 0;
  return normalCdf(((sharpe - benchmark) * Math.sqrt(observations - 1)) / Math.sqrt(denom));
}

export interface DeflatedSharpeInput {
  /** Per-period (not annualised) Sharpe of the selected trial. */
  sharpe: number;
  observations: number;
  skewness: number;
  kurtosis: number;
  trials: number;
  /** Variance of the trials' per-period Sharpe ratios. */
  sharpeVariance: number;
}

export interface DeflatedSharpeResult {
  probability: number;
  /** The benchmark the observed Sharpe is deflated against: expected max per-period Sharpe of the trials. */
  expectedMaxSharpe: number;
}

/**
 * The Deflated Sharpe Ratio (Bailey & López de Prado 2014): the PSR against the expected maximum Sharpe of the trials.
 */
export function deflatedSharpe(x: DeflatedSharpeInput): DeflatedSharpeResult {
  const benchmark = expectedMaxSharpe(x.trials, x.sharpeVariance);
  return {
    probability: probabilisticSharpe(x.sharpe, benchmark, x.observations, x.skewness, x.kurtosis),
    expectedMaxSharpe: benchmark,
  };
}

export function variance(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  return values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
}
