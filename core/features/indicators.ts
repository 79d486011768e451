/**
 * Technical indicators over a whole price series, as plain Float64Array loops.
 *
 * Why not call trading-signals per bar: its streaming classes allocate per update and the inference
 * Lambda computes features on every request, so we keep one pass per indicator here and use
 * trading-signals as the oracle in the unit tests (the conventions below are the ones it and Tulip
 * Indicators use, so the numbers agree to float rounding). Positions before an indicator is defined
 * hold NaN.
 */

/** Simple moving average; defined from index period-1. */
export function sma(values: ArrayLike<number>, period: number): Float64Array {
  const out = new Float64Array(values.length).fill(Number.NaN);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    if (i >= period) sum -= values[i - period]!;
    if (i >= period - 1) out[i] = sum / period;
  }
  return out;
}

/**
 * Exponential moving average seeded with the first value (the Tulip / trading-signals convention),
 * k = 2 / (period + 1). `start` skips leading NaNs, e.g. for the MACD signal line.
 */
export function ema(values: ArrayLike<number>, period: number, start = 0): Float64Array {
  const out = new Float64Array(values.length).fill(Number.NaN);
  if (start >= values.length) return out;
  const k = 2 / (period + 1);
  let prev = values[start]!;
  out[start] = prev;
  for (let i = start + 1; i < values.length; i++) {
    prev = values[i]! * k + prev * (1 - k);
    out[i] = prev;
  }
  return out;
}

/**
 * Wilder's RSI: the first average gain/loss is the simple mean of the first `period` changes, then
 * Wilder smoothing avg = (prev * (period - 1) + x) / period. Defined from index `period`.
 */
export function rsi(close: ArrayLike<number>, period: number): Float64Array {
  const n = close.length;
  const out = new Float64Array(n).fill(Number.NaN);
  let avgGain = 0;
  let avgLoss = 0;
  for (let i = 1; i < n; i++) {
    const change = close[i]! - close[i - 1]!;
    const gain = Math.max(change, 0);
    const loss = change > 0 ? 0 : -change;
    if (i <= period) {
      avgGain += gain / period;
      avgLoss += loss / period;
      if (i < period) continue;
    } else {
      avgGain = (avgGain * (period - 1) + gain) / period;
      avgLoss = (avgLoss * (period - 1) + loss) / period;
    }
    out[i] = avgLoss === 0 ? 100 : 100 - 100 / (1 + avgGain / avgLoss);
  }
  return out;
}

export interface MacdSeries {
  line: Float64Array;
  signal: Float64Array;
  histogram: Float64Array;
}

/** MACD = EMA(fast) - EMA(slow), defined from index slow-1; the signal EMA starts there. */
export function macd(close: ArrayLike<number>, fast: number, slow: number, signalPeriod: number): MacdSeries {
  const n = close.length;
  const fastEma = ema(close, fast);
  const slowEma = ema(close, slow);
  const line = new Float64Array(n).fill(Number.NaN);
  for (let i = slow - 1; i < n; i++) line[i] = fastEma[i]! - slowEma[i]!;
  const signal = ema(line, signalPeriod, slow - 1);
  const histogram = new Float64Array(n);
  for (let i = 0; i < n; i++) histogram[i] = line[i]! - signal[i]!;
  return { line, signal, histogram };
}

export interface BollingerSeries {
  middle: Float64Array;
  upper: Float64Array;
  lower: Float64Array;
}

/** Bollinger bands: SMA middle, population standard deviation (as StockCharts and Tulip), defined from period-1. */
export function bollinger(close: ArrayLike<number>, period: number, multiplier: number): BollingerSeries {
  const n = close.length;
  const middle = sma(close, period);
  const upper = new Float64Array(n).fill(Number.NaN);
  const lower = new Float64Array(n).fill(Number.NaN);
  for (let i = period - 1; i < n; i++) {
    const mean = middle[i]!;
    let ss = 0;
    for (let j = i - period + 1; j <= i; j++) ss += (close[j]! - mean) ** 2;
    const sd = Math.sqrt(ss / period);
    upper[i] = mean + multiplier * sd;
    lower[i] = mean - multiplier * sd;
  }
  return { middle, upper, lower };
}

/** Sample standard deviation (n - 1) over a trailing window; defined once `period` finite values are in it. */
export function rollingStd(values: ArrayLike<number>, period: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n).fill(Number.NaN);
  for (let i = period - 1; i < n; i++) {
    let sum = 0;
    let ok = true;
    for (let j = i - period + 1; j <= i; j++) {
      const v = values[j]!;
      if (!Number.isFinite(v)) ok = false;
      sum += v;
    }
    if (!ok) continue;
    const mean = sum / period;
    let ss = 0;
    for (let j = i - period + 1; j <= i; j++) ss += (values[j]! - mean) ** 2;
    out[i] = Math.sqrt(ss / (period - 1));
  }
  return out;
}
