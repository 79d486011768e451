import type { Timeframe } from '../config/index.js';

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

export function mae(pred: ArrayLike<number>, actual: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += Math.abs(pred[i]! - actual[i]!);
  return actual.length ? s / actual.length : 0;
}

/** Share of samples with a non-zero actual move where the predicted sign matches it (a zero prediction misses). */
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

/** Share of the bars the sign strategy holds a position on that make money before costs. */
export function hitRate(pred: ArrayLike<number>, actual: ArrayLike<number>): number {
  let wins = 0;
  let trades = 0;
  for (let i = 0; i < actual.length; i++) {
    const p = Math.sign(pred[i]!);
    if (p === 0) continue;
    trades++;
    if (p * actual[i]! > 0) wins++;
  }
  return trades ? wins / trades : 0;
}

/** The naive forecast: the next return is zero (a random walk's best guess). */
export function naiveForecast(n: number): Float64Array {
  return new Float64Array(n);
}

/** Annualised Sharpe (zero risk-free rate): mean / sample std * sqrt(periods per year); 0 without variation. */
export function sharpe(returns: ArrayLike<number>, periodsPerYear: number): number {
  const n = returns.length;
  if (n < 2) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += returns[i]! / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (returns[i]! - mean) ** 2 / (n - 1);
  const sd = Math.sqrt(v);
  return sd > 1e-15 ? (mean / sd) * Math.sqrt(periodsPerYear) : 0;
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
  return Math.min(1, Math.max(0, worst));
}

export interface Backtest {
  /** Per-bar returns net of costs. */
  returns: Float64Array;
  /** Compounded net return over the whole period. */
  roi: number;
  /** Annualised Sharpe of the net returns. */
  sharpe: number;
  maxDrawdown: number;
  /** Sum of |position change| (a flip long to short counts 2). */
  turnover: number;
}

/**
 * The sign strategy net of costs: long one unit on a positive prediction, short on a negative one, flat on
 * zero, starting flat. Each bar pays costBps / 1e4 per unit of |position change| (entering the first
 * position included), so a strategy that flips every bar pays for it.
 */
export function signBacktest(
  pred: ArrayLike<number>,
  actual: ArrayLike<number>,
  costBps: number,
  periodsPerYear: number,
): Backtest {
  const n = actual.length;
  const returns = new Float64Array(n);
  const cost = costBps / 1e4;
  let position = 0;
  let turnover = 0;
  for (let i = 0; i < n; i++) {
    const next = Math.sign(pred[i]!);
    const traded = Math.abs(next - position);
    turnover += traded;
    returns[i] = next * actual[i]! - cost * traded;
    position = next;
  }
  const equity = equityCurve(returns);
  return {
    returns,
    roi: equity[n]! - 1,
    sharpe: sharpe(returns, periodsPerYear),
    maxDrawdown: maxDrawdown(equity),
    turnover,
  };
}

/** Gross per-bar returns of the sign strategy (no costs): what a backtest before costs would show. */
export function signStrategyReturns(pred: ArrayLike<number>, actual: ArrayLike<number>): Float64Array {
  const out = new Float64Array(actual.length);
  for (let i = 0; i < actual.length; i++) out[i] = Math.sign(pred[i]!) * actual[i]!;
  return out;
}

export interface ForecastMetrics {
  mse: number;
  mae: number;
  directionalAccuracy: number;
  hitRate: number;
  /** Annualised Sharpe of the sign strategy net of costs. */
  sharpe: number;
  /** Gross (before costs) annualised Sharpe of the same strategy. */
  grossSharpe: number;
  roi: number;
  maxDrawdown: number;
  /** Mean |position change| per bar. */
  turnover: number;
  samples: number;
}

export function evaluatePredictions(
  pred: ArrayLike<number>,
  actual: ArrayLike<number>,
  timeframe: Timeframe,
  costBps: number,
): ForecastMetrics {
  const ppy = PERIODS_PER_YEAR[timeframe];
  const bt = signBacktest(pred, actual, costBps, ppy);
  return {
    mse: mse(pred, actual),
    mae: mae(pred, actual),
    directionalAccuracy: directionalAccuracy(pred, actual),
    hitRate: hitRate(pred, actual),
    sharpe: bt.sharpe,
    grossSharpe: sharpe(signStrategyReturns(pred, actual), ppy),
    roi: bt.roi,
    maxDrawdown: bt.maxDrawdown,
    turnover: actual.length ? bt.turnover / actual.length : 0,
    samples: actual.length,
  };
}

/** Sample skewness and (non-excess) kurtosis, population moments: what the deflated Sharpe ratio takes. */
export function moments(x: ArrayLike<number>): { mean: number; std: number; skewness: number; kurtosis: number } {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]! / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - mean;
    m2 += (d * d) / n;
    m3 += (d * d * d) / n;
    m4 += (d * d * d * d) / n;
  }
  const std = Math.sqrt(m2);
  return { mean, std, skewness: m2 > 0 ? m3 / m2 ** 1.5 : 0, kurtosis: m2 > 0 ? m4 / (m2 * m2) : 3 };
}
