import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/index.js';
import {
  buildModelInput,
  computeFeatures,
  featureSpecSchema,
  FeatureWindowError,
  historyBarsFor,
  makeFeatureSpec,
  minBarsForWindow,
  SEED_WEIGHT_TOLERANCE,
  type FeatureSpecV1,
  type OhlcvBar,
} from '../../../core/features/index.js';
import { modelMetadataSchema } from '../../../core/artifacts/index.js';
import { buildDataset, datasetConfig } from '../../../gpu-trainer/dataset.js';
import { loadSp500Daily } from '../../../local/replay/vega.js';
import { dailyOhlcv } from '../../support/bars.js';

// Real data: S&P 500 daily OHLCV 2000-2020 from vega-datasets, through the ingest loader.
const sp500: OhlcvBar[] = loadSp500Daily().map(dailyOhlcv);
const spec = makeFeatureSpec();
const H = spec.historyBars;
const cfg = loadConfig({ env: {} });
const hp = cfg.training.hyperparameters;
const T = hp.windowSize;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  // NaN never compares, so count it as a difference.
  for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i]!) !== Number.isNaN(b[i]!)) m = Number.POSITIVE_INFINITY;
  return m;
}

describe('historyBars: the exact trailing history of a feature row', () => {
  it('is the fewest bars after which every recursive indicator keeps at most the tolerated seed weight', () => {
    const p = spec.params;
    const slowEma = (p.macdSlow - 1) / (p.macdSlow + 1);
    const wilder = (p.rsiPeriod - 1) / p.rsiPeriod;
    const weights = (h: number) => [
      slowEma ** (h - 1),
      wilder ** (h - 1 - p.rsiPeriod),
      ((p.macdSignal - 1) / (p.macdSignal + 1)) ** (h - 1 - (p.macdSlow - 1)),
    ];
    expect(Math.max(...weights(H))).toBeLessThanOrEqual(SEED_WEIGHT_TOLERANCE);
    expect(Math.max(...weights(H - 1))).toBeGreaterThan(SEED_WEIGHT_TOLERANCE);
    expect(H).toBeGreaterThan(spec.warmupBars);
    expect(historyBarsFor({ ...p, rsiPeriod: 28 })).toBeGreaterThan(H);
  });

  it('minBarsForWindow is historyBars + window - 1 and the default config admits the default model', () => {
    expect(minBarsForWindow(spec, T)).toBe(H + T - 1);
    for (const env of [{}, { SIGNALFORGE_ENV: 'local' }]) {
      const c = loadConfig({ env });
      expect(c.inference.minBars).toBeGreaterThanOrEqual(minBarsForWindow(spec, c.training.hyperparameters.windowSize));
    }
  });

  it('a row is a function of its trailing historyBars bars only', () => {
    const full = computeFeatures(sp500, spec);
    const end = 3000;
    const alone = computeFeatures(sp500.slice(end - H + 1, end + 1), spec);
    expect(alone.rows).toBe(1);
    const row = full.values.subarray((end - full.firstBar) * full.width, (end - full.firstBar + 1) * full.width);
    expect(maxAbsDiff(alone.values, row)).toBe(0);
    // Scrambling every bar before the slice changes nothing.
    const scrambled = sp500
      .slice(0, end + 1)
      .map((b, i) => (i < end - H + 1 ? { ...b, c: b.c * (1 + (i % 7) / 10), v: b.v * 3 } : b));
    const again = computeFeatures(scrambled, spec);
    expect(maxAbsDiff(again.values.subarray(again.values.length - again.width), row)).toBe(0);
  });

  it('equals the published-convention indicators run over just that slice, and stays close to unlimited history', () => {
    const legacy: FeatureSpecV1 = { version: 1, names: spec.names, params: spec.params, warmupBars: spec.warmupBars };
    const W = spec.names.length;
    const rsiCol = spec.names.indexOf('rsi_14');
    const macdCols = ['macd_line_rel', 'macd_signal_rel', 'macd_hist_rel'].map((n) => spec.names.indexOf(n));
    const windowed = computeFeatures(sp500, spec);
    const unlimited = computeFeatures(sp500, legacy);
    let worstRsi = 0;
    let worstMacd = 0;
    for (const end of [H - 1, 1000, 2500, sp500.length - 1]) {
      const ours = windowed.values.subarray((end - windowed.firstBar) * W, (end - windowed.firstBar + 1) * W);
      const sliceLegacy = computeFeatures(sp500.slice(end - H + 1, end + 1), legacy);
      const last = sliceLegacy.values.subarray(sliceLegacy.values.length - W);
      for (let f = 0; f < W; f++) expect(ours[f]).toBeCloseTo(last[f]!, 12);
      const long = unlimited.values.subarray((end - unlimited.firstBar) * W, (end - unlimited.firstBar + 1) * W);
      if (end > H) {
        worstRsi = Math.max(worstRsi, Math.abs(ours[rsiCol]! - long[rsiCol]!));
        for (const f of macdCols) worstMacd = Math.max(worstMacd, Math.abs(ours[f]! - long[f]!));
      }
    }
    // RSI/100 and MACD/close differ from their unlimited-history values only by the forgotten seed.
    expect(worstRsi).toBeLessThan(1e-4);
    expect(worstMacd).toBeLessThan(1e-5);
  });
});

describe('train/serve parity on real S&P 500 bars', () => {
  const ds = buildDataset(sp500, spec, datasetConfig(cfg, T));
  const W = ds.width;
  const model = { featureSpec: spec, normalisation: ds.normalisation, windowSize: T };
  const need = minBarsForWindow(spec, T);

  /** What the dataset fed the model for sample s, and the bars up to and including its last row. */
  const trainingWindow = (s: number) => ({
    x: ds.features.subarray(s * W, (s + T) * W),
    lastBar: ds.firstBar + s + T - 1,
  });

  it('the last training sample: buildModelInput with the minimum bars and with 3x more equals the dataset bit for bit', () => {
    const s = ds.final.train[0]!.end - 1;
    const { x, lastBar } = trainingWindow(s);
    const upTo = sp500.slice(0, lastBar + 1);
    expect(upTo.length).toBeGreaterThan(3 * need);
    const exact = buildModelInput(upTo.slice(-need), model);
    const triple = buildModelInput(upTo.slice(-3 * need), model);
    expect(maxAbsDiff(exact, x)).toBe(0);
    expect(maxAbsDiff(triple, x)).toBe(0);
    // Unnormalised too: the raw feature rows of the request equal the dataset's rows.
    const rawTrain = computeFeatures(sp500, spec);
    const rawReq = computeFeatures(upTo.slice(-3 * need), spec);
    const tail = (v: Float64Array) => v.subarray(v.length - T * W);
    expect(
      maxAbsDiff(
        tail(rawReq.values),
        rawTrain.values.subarray((lastBar - T + 1 - rawTrain.firstBar) * W, (lastBar + 1 - rawTrain.firstBar) * W),
      ),
    ).toBe(0);
    // The values are real, varied numbers, not a degenerate all-zero window.
    expect(new Set(Array.from(x)).size).toBeGreaterThan(T * W * 0.5);
  });

  it('holds for every fold boundary sample, whatever extra history comes along', () => {
    const lastSample = ds.targets.length - 1;
    for (const s of [
      0,
      ds.final.validation[0]!.start,
      ...ds.folds.flatMap((f) => [f.validation[0]!.start, f.test.start]),
      lastSample,
    ]) {
      const { x, lastBar } = trainingWindow(s);
      const upTo = sp500.slice(0, lastBar + 1);
      for (const extra of [0, 1, 57, 2 * need]) {
        const from = Math.max(0, upTo.length - need - extra);
        expect(maxAbsDiff(buildModelInput(upTo.slice(from), model), x)).toBe(0);
      }
    }
  });

  it('the legacy (version 1) computation is what skewed: its last row depends on how much history is sent', () => {
    const legacy: FeatureSpecV1 = { version: 1, names: spec.names, params: spec.params, warmupBars: spec.warmupBars };
    const lastRow = (bars: OhlcvBar[]) => {
      const fm = computeFeatures(bars, legacy);
      return fm.values.subarray(fm.values.length - fm.width);
    };
    const upTo = sp500.slice(0, trainingWindow(ds.final.train[0]!.end - 1).lastBar + 1);
    expect(maxAbsDiff(lastRow(upTo.slice(-need)), lastRow(upTo.slice(-3 * need)))).toBeGreaterThan(0);
  });

  it('too few bars is a FeatureWindowError that names bars and the need', () => {
    const bars = sp500.slice(0, need - 1);
    expect(() => buildModelInput(bars, model)).toThrow(FeatureWindowError);
    expect(() => buildModelInput(bars, model)).toThrow(new RegExp(`^bars: need at least ${need}`));
  });
});

describe('feature spec versions in metadata.json', () => {
  it('new specs are version 2 with historyBars; version-1 specs still parse; an impossible history is refused', () => {
    expect(featureSpecSchema.parse(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    const v1 = { version: 1, names: spec.names, params: spec.params, warmupBars: spec.warmupBars };
    expect(featureSpecSchema.parse(v1)).toEqual(v1);
    expect(minBarsForWindow(v1 as FeatureSpecV1, T)).toBe(spec.warmupBars + T);
    expect(featureSpecSchema.safeParse({ ...spec, historyBars: spec.warmupBars }).success).toBe(false);
    expect(featureSpecSchema.safeParse({ ...spec, version: 3 }).success).toBe(false);
    expect(modelMetadataSchema.shape.featureSpec).toBe(featureSpecSchema);
  });
});
