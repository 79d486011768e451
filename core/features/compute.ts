import { z } from 'zod';
import { bollinger, macd, rollingStd, rsi } from './indicators.js';
import { writeFeatureRow, type BarColumns, type SentimentColumns } from './row.js';
import type { FeatureSpec, FeatureSpecV1, FeatureSpecV2 } from './spec.js';

/**
 * One OHLCV bar as files and metadata store it; `t` is the bar's open time in epoch milliseconds (ISO strings are
 * accepted and parsed). The API's stricter request form (positive prices, ordered bars) is core/api's barSchema.
 */
export const ohlcvBarSchema = z.object({
  t: z.union([z.number(), z.string()]),
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number(),
});
export type OhlcvBar = z.infer<typeof ohlcvBarSchema>;

/** A scored text (news, post) at a time; score in [-1, 1]. Sorted by time. */
export interface SentimentPoint {
  t: number;
  score: number;
}

export interface FeatureMatrix {
  names: readonly string[];
  /** Row r holds the features of bar `firstBar + r`; row-major, `width` columns. */
  values: Float64Array;
  rows: number;
  width: number;
  firstBar: number;
}

export function barTime(t: number | string): number {
  return typeof t === 'number' ? t : Date.parse(t);
}

/**
 * Sentiment aggregated over the trailing `window` bars ending at each bar: mean score and log(1+count)
 * of points with time in (t[i-window], t[i]]. Two pointers, O(bars + points). Exported for the sandbox's
 * signal-sentiment scenario, which plants a return component driven by exactly this mean.
 */
export function sentimentColumns(
  times: Float64Array,
  points: readonly SentimentPoint[],
  window: number,
): [Float64Array, Float64Array] {
  const n = times.length;
  const mean = new Float64Array(n);
  const countLog = new Float64Array(n);
  let lo = 0;
  let hi = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const end = times[i]!;
    const start = i - window >= 0 ? times[i - window]! : Number.NEGATIVE_INFINITY;
    while (hi < points.length && points[hi]!.t <= end) sum += points[hi++]!.score;
    while (lo < hi && points[lo]!.t <= start) sum -= points[lo++]!.score;
    const count = hi - lo;
    mean[i] = count > 0 ? sum / count : 0;
    countLog[i] = Math.log1p(count);
  }
  return [mean, countLog];
}

/**
 * The feature matrix of a bar series, oldest first. Pure and deterministic; the trainer and the
 * inference handler both call it, so the columns cannot drift apart. MACD values are divided by the
 * close so one model's scale does not depend on the price level.
 *
 * Version-2 specs (all new models): row r is bar `historyBars - 1 + r`, computed from that bar's
 * trailing `historyBars` bars alone, so a bar's features are identical in a 5000-bar training series
 * and in a request carrying just enough history. Version-1 specs keep their legacy whole-series
 * computation so older artifacts serve as before.
 */
export function computeFeatures(
  bars: readonly OhlcvBar[],
  spec: FeatureSpec,
  sentiment?: readonly SentimentPoint[],
): FeatureMatrix {
  return spec.version === 2
    ? computeWindowedFeatures(bars, spec, sentiment)
    : computeSeriesFeatures(bars, spec, sentiment);
}

function computeWindowedFeatures(
  bars: readonly OhlcvBar[],
  spec: FeatureSpecV2,
  sentiment?: readonly SentimentPoint[],
): FeatureMatrix {
  const p = spec.params;
  const n = bars.length;
  const width = spec.names.length;
  const firstBar = spec.historyBars - 1;
  const rows = Math.max(0, n - firstBar);
  const values = new Float64Array(rows * width);
  if (rows === 0) return { names: spec.names, values, rows, width, firstBar };

  const cols: BarColumns = {
    close: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    volume: new Float64Array(n),
    logret: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const b = bars[i]!;
    cols.close[i] = b.c;
    cols.high[i] = b.h;
    cols.low[i] = b.l;
    cols.volume[i] = b.v;
  }
  cols.logret[0] = Number.NaN;
  for (let i = 1; i < n; i++) cols.logret[i] = Math.log(cols.close[i]! / cols.close[i - 1]!);
  let sent: SentimentColumns | undefined;
  if (p.sentimentWindowBars > 0) {
    cols.times = new Float64Array(n);
    for (let i = 0; i < n; i++) cols.times[i] = barTime(bars[i]!.t);
    const points = sentiment ?? [];
    sent = { times: Float64Array.from(points, (q) => q.t), scores: Float64Array.from(points, (q) => q.score) };
  }
  for (let r = 0; r < rows; r++) writeFeatureRow(cols, firstBar + r, spec.historyBars, p, values, r * width, sent);
  return { names: spec.names, values, rows, width, firstBar };
}

/** Legacy (version 1): every indicator runs once over the whole series, seeded at its first bar. */
function computeSeriesFeatures(
  bars: readonly OhlcvBar[],
  spec: FeatureSpecV1,
  sentiment?: readonly SentimentPoint[],
): FeatureMatrix {
  const p = spec.params;
  const n = bars.length;
  const width = spec.names.length;
  const firstBar = spec.warmupBars;
  const rows = Math.max(0, n - firstBar);
  const values = new Float64Array(rows * width);
  if (rows === 0) return { names: spec.names, values, rows, width, firstBar };

  const close = new Float64Array(n);
  for (let i = 0; i < n; i++) close[i] = bars[i]!.c;
  const logret = new Float64Array(n).fill(Number.NaN);
  for (let i = 1; i < n; i++) logret[i] = Math.log(close[i]! / close[i - 1]!);

  const rsiSeries = rsi(close, p.rsiPeriod);
  const m = macd(close, p.macdFast, p.macdSlow, p.macdSignal);
  const bb = bollinger(close, p.bbPeriod, p.bbMultiplier);
  const vol = rollingStd(logret, p.volatilityPeriod);
  let sentMean: Float64Array | undefined;
  let sentCount: Float64Array | undefined;
  if (p.sentimentWindowBars > 0) {
    const times = new Float64Array(n);
    for (let i = 0; i < n; i++) times[i] = barTime(bars[i]!.t);
    [sentMean, sentCount] = sentimentColumns(times, sentiment ?? [], p.sentimentWindowBars);
  }

  for (let i = firstBar; i < n; i++) {
    const bar = bars[i]!;
    const c = close[i]!;
    const prev = bars[i - 1]!;
    let o = (i - firstBar) * width;
    values[o++] = c / prev.c - 1;
    values[o++] = logret[i]!;
    values[o++] = rsiSeries[i]! / 100;
    values[o++] = m.line[i]! / c;
    values[o++] = m.signal[i]! / c;
    values[o++] = m.histogram[i]! / c;
    const band = bb.upper[i]! - bb.lower[i]!;
    values[o++] = band === 0 ? 0.5 : (c - bb.lower[i]!) / band;
    values[o++] = band / bb.middle[i]!;
    values[o++] = vol[i]!;
    values[o++] = (bar.h - bar.l) / c;
    values[o++] = Math.log((bar.v + 1) / (prev.v + 1));
    for (let k = 1; k <= p.lags; k++) values[o++] = logret[i - k]!;
    if (sentMean && sentCount) {
      values[o++] = sentMean[i]!;
      values[o++] = sentCount[i]!;
    }
  }
  return { names: spec.names, values, rows, width, firstBar };
}
