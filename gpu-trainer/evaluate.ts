import type { Timeframe } from '../core/config/index.js';
import type { EvaluationMetrics } from '../core/artifacts/index.js';

/**
 * Bars per year used to annualise, assuming US equity sessions: 252 trading days of 6.5 hours
 * (1638 hourly bars; two 4h bars a day), 52 weeks.
 */
export const PERIODS_PER_YEAR: Record<Timeframe, number> = { '1h': 252 * 6.5, '4h': 252 * 2, '1d': 252, '1w': 52 };

export function mse(pred: ArrayLike<number>, actual: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += (pred[i]! - actual[i]!) ** 2;
  return actual.length ? s / actual.length : 0;
}

/** Share of samples with a non-zero actual move where the predicted sign matches it. */
export function directionalAccuracy(pred: ArrayLike<number>, actual: ArrayLike<number>): number {
  let hits = 0;
  let n = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] === 0) continue;
    n++;
    if (Math.sign(pred[i]!) === Math.sign(actual[i]!)) hits++;
  }
  return n ? hits / n : 0;
}

/** Per-bar returns of the sign strategy: long on a positive prediction, short on a negative one, flat on zero. */
export function signStrategyReturns(pred: ArrayLike<number>, actual: ArrayLike<number>): Float64Array {
  const out = new Float64Array(actual.length);
  for (let i = 0; i < actual.length; i++) out[i] = Math.sign(pred[i]!) * actual[i]!;
  return out;
}

/** Annualised Sharpe (zero risk-free rate): mean / sample std * sqrt(periods per year). */
export function sharpe(returns: ArrayLike<number>, periodsPerYear: number): number {
  const n = returns.length;
  if (n < 2) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += returns[i]! / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (returns[i]! - mean) ** 2 / (n - 1);
  const sd = Math.sqrt(v);
  return sd > 0 ? (mean / sd) * Math.sqrt(periodsPerYear) : 0;
}

/** Equity curve compounding the returns from 1. */
export function equityCurve(returns: ArrayLike<number>): Float64Array {
  const out = new Float64Array(returns.length + 1);
  out[0] = 1;
  for (let i = 0; i < returns.length; i++) out[i + 1] = out[i]! * (1 + returns[i]!);
  return out;
}

/** Largest fractional fall from a running peak of the equity curve. */
export function maxDrawdown(equity: ArrayLike<number>): number {
  let peak = Number.NEGATIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < equity.length; i++) {
    peak = Math.max(peak, equity[i]!);
    if (peak > 0) worst = Math.max(worst, (peak - equity[i]!) / peak);
  }
  return Math.min(1, worst);
}

export function evaluatePredictions(pred: ArrayLike<number>, actual: ArrayLike<number>, timeframe: Timeframe): EvaluationMetrics {
  const r = signStrategyReturns(pred, actual);
  return {
    mse: mse(pred, actual),
    directionalAccuracy: directionalAccuracy(pred, actual),
    sharpe: sharpe(r, PERIODS_PER_YEAR[timeframe]),
    maxDrawdown: maxDrawdown(equityCurve(r)),
    samples: actual.length,
  };
}

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
  for (let b = 0; b <= bins; b++) edges.push(sorted[Math.min(sorted.length - 1, Math.floor((b * (sorted.length - 1)) / bins))]!);
  const counts = new Array<number>(bins).fill(0);
  for (const v of sorted) {
    let b = 0;
    while (b < bins - 1 && v > edges[b + 1]!) b++;
    counts[b]!++;
  }
  return { edges, counts };
}
