import { computeFeatures, minBarsForWindow, type FeatureSpec, type Normalisation, type OhlcvBar, type SentimentPoint } from '../core/features/index.js';

export interface SplitConfig {
  windowSize: number;
  purgeGapBars: number;
  validationFraction: number;
  testFraction: number;
}

export interface SampleRange {
  start: number;
  end: number; // exclusive
}

/**
 * Windows and targets for one (symbol, timeframe). Sample s ends at feature row `s + windowSize - 1`
 * (bar `firstBar + s + windowSize - 1`) and predicts the next bar's simple return.
 */
export interface Dataset {
  windowSize: number;
  width: number;
  /** Z-scored feature rows, row-major [rows, width], float32 as the model consumes them. */
  features: Float32Array;
  rows: number;
  firstBar: number;
  /** Next-bar simple return per sample. */
  targets: Float64Array;
  /** Standardised targets (what the loss sees). */
  targetsStd: Float32Array;
  /** Direction of the target: 1, -1 or 0. */
  direction: Int8Array;
  /** The sample bar's own return: the naive persistence forecast. */
  lastReturn: Float64Array;
  normalisation: Normalisation;
  targetMean: number;
  targetStd: number;
  split: { train: SampleRange; validation: SampleRange; test: SampleRange };
  bars: number;
  barTimes: { first: number | string; last: number | string };
}

export class DatasetError extends Error {}

/**
 * Feature rows come from core/features: with a version-2 spec every row (so every row of every sample's
 * window) is computed from its own trailing `historyBars` bars only, exactly as serving computes it
 * from a request. Walk-forward split in time order: train | gap | validation | gap | test. The purge gap drops samples
 * whose targets sit next to the following split, so no training label is adjacent to evaluated data.
 * Feature and target statistics are fitted on the training rows only.
 */
export function buildDataset(bars: readonly OhlcvBar[], spec: FeatureSpec, split: SplitConfig, sentiment?: readonly SentimentPoint[]): Dataset {
  const T = split.windowSize;
  const fm = computeFeatures(bars, spec, sentiment);
  const samples = fm.rows - T; // the last row has no next bar
  if (samples <= 0) throw new DatasetError(`too few bars (${bars.length}): one window of ${T} needs ${minBarsForWindow(spec, T)} and one more bar for its target`);
  const gap = split.purgeGapBars;
  const nTest = Math.floor(samples * split.testFraction);
  const nVal = Math.floor(samples * split.validationFraction);
  const nTrain = samples - nTest - nVal - 2 * gap;
  if (nTrain < 8 || nVal < 1 || nTest < 1) throw new DatasetError(`too few samples (${samples}) to split train/validation/test with purge gap ${gap}`);
  const train = { start: 0, end: nTrain };
  const validation = { start: nTrain + gap, end: nTrain + gap + nVal };
  const test = { start: validation.end + gap, end: samples };

  const W = fm.width;
  const fitRows = nTrain - 1 + T; // rows seen by training windows
  const mean = new Array<number>(W).fill(0);
  const std = new Array<number>(W).fill(0);
  for (let r = 0; r < fitRows; r++) for (let f = 0; f < W; f++) mean[f]! += fm.values[r * W + f]! / fitRows;
  for (let r = 0; r < fitRows; r++) for (let f = 0; f < W; f++) std[f]! += (fm.values[r * W + f]! - mean[f]!) ** 2 / fitRows;
  for (let f = 0; f < W; f++) std[f] = Math.sqrt(std[f]!) > 1e-12 ? Math.sqrt(std[f]!) : 1;
  const features = new Float32Array(fm.rows * W);
  for (let r = 0; r < fm.rows; r++) for (let f = 0; f < W; f++) features[r * W + f] = (fm.values[r * W + f]! - mean[f]!) / std[f]!;

  const targets = new Float64Array(samples);
  const lastReturn = new Float64Array(samples);
  const direction = new Int8Array(samples);
  for (let s = 0; s < samples; s++) {
    const bar = fm.firstBar + s + T - 1;
    targets[s] = bars[bar + 1]!.c / bars[bar]!.c - 1;
    lastReturn[s] = bars[bar]!.c / bars[bar - 1]!.c - 1;
    direction[s] = Math.sign(targets[s]!);
  }
  let tMean = 0;
  for (let s = 0; s < nTrain; s++) tMean += targets[s]! / nTrain;
  let tVar = 0;
  for (let s = 0; s < nTrain; s++) tVar += (targets[s]! - tMean) ** 2 / nTrain;
  const tStd = Math.sqrt(tVar) > 1e-12 ? Math.sqrt(tVar) : 1;
  const targetsStd = new Float32Array(samples);
  for (let s = 0; s < samples; s++) targetsStd[s] = (targets[s]! - tMean) / tStd;

  return {
    windowSize: T,
    width: W,
    features,
    rows: fm.rows,
    firstBar: fm.firstBar,
    targets,
    targetsStd,
    direction,
    lastReturn,
    normalisation: { mean, std },
    targetMean: tMean,
    targetStd: tStd,
    split: { train, validation, test },
    bars: bars.length,
    barTimes: { first: bars[0]!.t, last: bars[bars.length - 1]!.t },
  };
}

/** Copies the windows of `sampleIdx` into a [n, windowSize, width] batch. */
export function gatherWindows(features: Float32Array, width: number, windowSize: number, sampleIdx: ArrayLike<number>, out?: Float32Array): Float32Array {
  const stride = windowSize * width;
  const x = out ?? new Float32Array(sampleIdx.length * stride);
  for (let i = 0; i < sampleIdx.length; i++) {
    const start = sampleIdx[i]! * width; // window of sample s covers rows s .. s + T - 1
    x.set(features.subarray(start, start + stride), i * stride);
  }
  return x;
}

export function rangeIndices(r: SampleRange): Uint32Array {
  const out = new Uint32Array(r.end - r.start);
  for (let i = 0; i < out.length; i++) out[i] = r.start + i;
  return out;
}
