import { bisect } from './bisect.js';
import type { FeatureParams } from './spec.js';

/** A bar series in columns, oldest first, as the row kernel reads it. */
export interface BarColumns {
  close: Float64Array;
  high: Float64Array;
  low: Float64Array;
  volume: Float64Array;
  /** log(close[i] / close[i-1]); NaN at 0. Depends on bars i-1 and i only. */
  logret: Float64Array;
  /** Bar times in epoch ms; only read when sentiment columns are on. */
  times?: Float64Array;
}

export interface SentimentColumns {
  times: Float64Array;
  scores: Float64Array;
}

/**
 * Writes the features of bar `end` into out[offset..], reading bars end-history+1 .. end and nothing
 * else. Every recursive indicator (EMA, Wilder's RSI, the MACD signal) restarts from the slice's first
 * bar with the conventions of indicators.ts, and every sum runs from scratch in a fixed order, so the
 * result is bit-identical whatever bars lie outside the slice: that is what keeps training and serving
 * from skewing. No allocation; O(history) per row.
 */
export function writeFeatureRow(
  cols: BarColumns,
  end: number,
  history: number,
  p: FeatureParams,
  out: Float64Array,
  offset: number,
  sentiment?: SentimentColumns,
): void {
  const { close, high, low, volume, logret } = cols;
  const s0 = end - history + 1;

  // One pass over the slice: fast/slow EMA seeded with its first close, MACD line from index slow-1 with
  // its signal EMA seeded there, Wilder's RSI seeded with the mean of the first `rsiPeriod` changes.
  const kf = 2 / (p.macdFast + 1);
  const ks = 2 / (p.macdSlow + 1);
  const kg = 2 / (p.macdSignal + 1);
  const rp = p.rsiPeriod;
  let fast = close[s0]!;
  let slow = fast;
  let line = Number.NaN;
  let signal = Number.NaN;
  let avgGain = 0;
  let avgLoss = 0;
  const lineStart = p.macdSlow - 1;
  for (let j = 1; j < history; j++) {
    const i = s0 + j;
    const c = close[i]!;
    fast = c * kf + fast * (1 - kf);
    slow = c * ks + slow * (1 - ks);
    if (j >= lineStart) {
      line = fast - slow;
      signal = j === lineStart ? line : line * kg + signal * (1 - kg);
    }
    const change = c - close[i - 1]!;
    const gain = Math.max(change, 0);
    const loss = change > 0 ? 0 : -change;
    if (j <= rp) {
      avgGain += gain / rp;
      avgLoss += loss / rp;
    } else {
      avgGain = (avgGain * (rp - 1) + gain) / rp;
      avgLoss = (avgLoss * (rp - 1) + loss) / rp;
    }
  }
  const rsi = avgLoss === 0 ? 100 : 100 - 100 / (1 + avgGain / avgLoss);

  // Bollinger (population sd) and realised volatility (sample sd) over their own trailing spans.
  const bp = p.bbPeriod;
  let sum = 0;
  for (let i = end - bp + 1; i <= end; i++) sum += close[i]!;
  const middle = sum / bp;
  let ss = 0;
  for (let i = end - bp + 1; i <= end; i++) ss += (close[i]! - middle) ** 2;
  const sd = Math.sqrt(ss / bp);
  const upper = middle + p.bbMultiplier * sd;
  const lower = middle - p.bbMultiplier * sd;

  const vp = p.volatilityPeriod;
  let rsum = 0;
  for (let i = end - vp + 1; i <= end; i++) rsum += logret[i]!;
  const rmean = rsum / vp;
  let rss = 0;
  for (let i = end - vp + 1; i <= end; i++) rss += (logret[i]! - rmean) ** 2;
  const vol = Math.sqrt(rss / (vp - 1));

  const c = close[end]!;
  let o = offset;
  out[o++] = c / close[end - 1]! - 1;
  out[o++] = logret[end]!;
  out[o++] = rsi / 100;
  out[o++] = line / c;
  out[o++] = signal / c;
  out[o++] = (line - signal) / c;
  const band = upper - lower;
  out[o++] = band === 0 ? 0.5 : (c - lower) / band;
  out[o++] = band / middle;
  out[o++] = vol;
  out[o++] = (high[end]! - low[end]!) / c;
  out[o++] = Math.log((volume[end]! + 1) / (volume[end - 1]! + 1));
  for (let k = 1; k <= p.lags; k++) out[o++] = logret[end - k]!;
  if (p.sentimentWindowBars > 0) {
    // Points with time in (t[end - window], t[end]], summed in time order from scratch.
    const times = cols.times!;
    let count = 0;
    let total = 0;
    if (sentiment) {
      const from = bisect(sentiment.times, times[end - p.sentimentWindowBars]!, 'right');
      const to = bisect(sentiment.times, times[end]!, 'right');
      for (let k = from; k < to; k++) total += sentiment.scores[k]!;
      count = Math.max(0, to - from);
    }
    out[o++] = count > 0 ? total / count : 0;
    out[o++] = Math.log1p(count);
  }
}
