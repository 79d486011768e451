import type { SignalForgeConfig } from '../core/config/index.js';
import {
  finalFitSplit,
  FoldError,
  rangesToIndices,
  walkForwardFolds,
  type SampleRange,
  type WalkForwardFold,
} from '../core/evaluation/index.js';
import {
  computeFeatures,
  minBarsForWindow,
  type FeatureSpec,
  type Normalisation,
  type OhlcvBar,
  type SentimentPoint,
} from '../core/features/index.js';

export type { SampleRange } from '../core/evaluation/index.js';

export interface DatasetConfig {
  windowSize: number;
  purgeGapBars: number;
  folds: number;
  embargoBars: number;
  innerValidationFraction: number;
  /** Returns the drift baseline averages: its forecast is the trailing mean of the last this many bar returns. */
  driftWindowBars: number;
}

/** Model inputs normalised with statistics fitted on one training part: what the replicas train and predict on. */
export interface FittedView {
  /** Z-scored feature rows, row-major [rows, width], float32 as the model consumes them. */
  features: Float32Array;
  /** Standardised targets (what the loss sees). */
  targetsStd: Float32Array;
  normalisation: Normalisation;
  targetMean: number;
  targetStd: number;
}

/**
 * Windows and targets for one (symbol, timeframe). Sample s ends at feature row `s + windowSize - 1`
 * (bar `firstBar + s + windowSize - 1`) and predicts the next bar's simple return. The top-level view is
 * normalised for the production refit (`final`); each walk-forward fold gets its own from `fitView`.
 */
export interface Dataset extends FittedView {
  windowSize: number;
  width: number;
  /** Unnormalised feature rows, [rows, width]. */
  raw: Float64Array;
  rows: number;
  firstBar: number;
  /** Next-bar simple return per sample. */
  targets: Float64Array;
  /** Direction of the target: 1, -1 or 0. */
  direction: Int8Array;
  /** The drift baseline's forecast per sample: trailing mean bar return up to the sample's bar. */
  drift: Float64Array;
  folds: WalkForwardFold[];
  final: { train: SampleRange[]; validation: SampleRange[] };
  bars: number;
  barTimes: { first: number | string; last: number | string };
}

export class DatasetError extends Error {}

/** The dataset settings a config implies (training.hyperparameters.purgeGapBars, evaluation.*). */
export function datasetConfig(cfg: SignalForgeConfig, windowSize: number): DatasetConfig {
  const ev = cfg.evaluation;
  return {
    windowSize,
    purgeGapBars: cfg.training.hyperparameters.purgeGapBars,
    folds: ev.folds,
    embargoBars: ev.embargoBars,
    innerValidationFraction: ev.innerValidationFraction,
    driftWindowBars: ev.driftWindowBars,
  };
}

/** Index of the bar a sample's window ends on (its target is the return to the next bar). */
export function sampleBar(ds: Pick<Dataset, 'firstBar' | 'windowSize'>, s: number): number {
  return ds.firstBar + s + ds.windowSize - 1;
}

/**
 * Feature rows come from core/features: with a version-2 spec every row (so every row of every sample's
 * window) is computed from its own trailing `historyBars` bars only, exactly as serving computes it from a
 * request. Samples are cut into purged, embargoed expanding walk-forward folds (core/evaluation/folds.ts).
 */
export function buildDataset(
  bars: readonly OhlcvBar[],
  spec: FeatureSpec,
  cfg: DatasetConfig,
  sentiment?: readonly SentimentPoint[],
): Dataset {
  const T = cfg.windowSize;
  const fm = computeFeatures(bars, spec, sentiment);
  const samples = fm.rows - T; // the last row has no next bar
  if (samples <= 0)
    throw new DatasetError(
      `too few bars (${bars.length}): one window of ${T} needs ${minBarsForWindow(spec, T)} and one more bar for its target`,
    );
  let folds: WalkForwardFold[];
  let final: Dataset['final'];
  try {
    folds = walkForwardFolds({
      samples,
      folds: cfg.folds,
      purgeGap: cfg.purgeGapBars,
      embargo: cfg.embargoBars,
      innerValidationFraction: cfg.innerValidationFraction,
    });
    final = finalFitSplit(samples, cfg.purgeGapBars, cfg.innerValidationFraction);
  } catch (err) {
    if (err instanceof FoldError) throw new DatasetError(`${samples} samples: ${err.message}`);
    throw err;
  }
  const targets = new Float64Array(samples);
  const direction = new Int8Array(samples);
  const drift = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    const bar = fm.firstBar + s + T - 1;
    targets[s] = bars[bar + 1]!.c / bars[bar]!.c - 1;
    direction[s] = Math.sign(targets[s]!);
    const w = Math.max(1, Math.min(cfg.driftWindowBars, bar));
    let sum = 0;
    for (let b = bar - w + 1; b <= bar; b++) sum += bars[b]!.c / bars[b - 1]!.c - 1;
    drift[s] = sum / w;
  }
  const base = { windowSize: T, width: fm.width, raw: fm.values, rows: fm.rows, firstBar: fm.firstBar, targets };
  return {
    ...base,
    ...fitView(base, final.train),
    direction,
    drift,
    folds,
    final,
    bars: bars.length,
    barTimes: { first: bars[0]!.t, last: bars[bars.length - 1]!.t },
  };
}

/**
 * Normalises features and targets with statistics fitted on the training samples `train` only: the feature
 * rows their windows cover and their targets. Nothing from validation or test samples enters the statistics.
 */
export function fitView(
  ds: Pick<Dataset, 'windowSize' | 'width' | 'raw' | 'rows' | 'targets'>,
  train: readonly SampleRange[],
): FittedView {
  const T = ds.windowSize;
  const W = ds.width;
  const covered = new Uint8Array(ds.rows);
  for (const r of train) covered.fill(1, r.start, Math.min(ds.rows, r.end - 1 + T));
  let fitRows = 0;
  for (let r = 0; r < ds.rows; r++) fitRows += covered[r]!;
  const mean = new Array<number>(W).fill(0);
  const std = new Array<number>(W).fill(0);
  for (let r = 0; r < ds.rows; r++)
    if (covered[r]) for (let f = 0; f < W; f++) mean[f]! += ds.raw[r * W + f]! / fitRows;
  for (let r = 0; r < ds.rows; r++)
    if (covered[r]) for (let f = 0; f < W; f++) std[f]! += (ds.raw[r * W + f]! - mean[f]!) ** 2 / fitRows;
  for (let f = 0; f < W; f++) std[f] = Math.sqrt(std[f]!) > 1e-12 ? Math.sqrt(std[f]!) : 1;
  const features = new Float32Array(ds.rows * W);
  for (let r = 0; r < ds.rows; r++)
    for (let f = 0; f < W; f++) features[r * W + f] = (ds.raw[r * W + f]! - mean[f]!) / std[f]!;

  const idx = rangesToIndices(train);
  let tMean = 0;
  for (const s of idx) tMean += ds.targets[s]! / idx.length;
  let tVar = 0;
  for (const s of idx) tVar += (ds.targets[s]! - tMean) ** 2 / idx.length;
  const tStd = Math.sqrt(tVar) > 1e-12 ? Math.sqrt(tVar) : 1;
  const targetsStd = new Float32Array(ds.targets.length);
  for (let s = 0; s < ds.targets.length; s++) targetsStd[s] = (ds.targets[s]! - tMean) / tStd;
  return { features, targetsStd, normalisation: { mean, std }, targetMean: tMean, targetStd: tStd };
}

/** Copies the windows of `sampleIdx` into a [n, windowSize, width] batch. */
export function gatherWindows(
  features: Float32Array,
  width: number,
  windowSize: number,
  sampleIdx: ArrayLike<number>,
  out?: Float32Array,
): Float32Array {
  const stride = windowSize * width;
  const x = out ?? new Float32Array(sampleIdx.length * stride);
  for (let i = 0; i < sampleIdx.length; i++) {
    const start = sampleIdx[i]! * width; // window of sample s covers rows s .. s + T - 1
    x.set(features.subarray(start, start + stride), i * stride);
  }
  return x;
}

export function rangeIndices(r: SampleRange): Uint32Array {
  return rangesToIndices([r]);
}
