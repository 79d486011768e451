import { createHash } from 'node:crypto';
import type { Timeframe } from '../core/config/index.js';
import { minBarsForWindow, type FeatureSpec } from '../core/features/index.js';
import { metadataKey, modelKey, modelMetadataSchema, writeJson, type ArtifactStore, type ConfigMetrics, type ModelMetadata } from '../core/artifacts/index.js';
import { rangeIndices, type Dataset } from './dataset.js';
import { downsample, equityCurve, evaluatePredictions, histogram, signStrategyReturns } from './evaluate.js';
import type { DataParallelGroup } from './group.js';
import { exportOnnx, INPUT_NAME, ONNX_OPSET, OUTPUT_NAME } from './model/onnx.js';
import { newAdamState } from './model/adam.js';
import type { TrialResult } from './train-config.js';
import { modelSpecFor } from './train-config.js';

export interface ExportedModel {
  key: string;
  artifactUri: string;
  metadataUri: string;
  sha256: string;
  metrics: ConfigMetrics;
  metadata: ModelMetadata;
}

/** The git commit when known (CI, the instance's user data sets it), else the package version. */
export function codeVersion(): string {
  return process.env.SIGNALFORGE_CODE_VERSION ?? process.env.GITHUB_SHA ?? 'signalforge@0.1.0';
}

async function predictReturns(group: DataParallelGroup, ds: Dataset, idx: Uint32Array): Promise<Float64Array> {
  const std = await group.predict(idx);
  return Float64Array.from(std, (v) => v * ds.targetStd + ds.targetMean);
}

function splitMetrics(pred: Float64Array, ds: Dataset, idx: Uint32Array, timeframe: Timeframe, split: 'validation' | 'test'): ConfigMetrics {
  const actual = Float64Array.from(idx, (i) => ds.targets[i]!);
  const naive = Float64Array.from(idx, (i) => ds.lastReturn[i]!);
  return { model: evaluatePredictions(pred, actual, timeframe), naive: evaluatePredictions(naive, actual, timeframe), split };
}

/** Evaluates the selected trial on validation and test, writes model.onnx and metadata.json. */
export async function evaluateAndExport(args: {
  store: ArtifactStore;
  group: DataParallelGroup;
  key: string;
  symbol: string;
  timeframe: Timeframe;
  runId: string;
  dataset: Dataset;
  featureSpec: FeatureSpec;
  best: TrialResult;
  trials: TrialResult[];
  manifestId: string;
  purgeGapBars: number;
  backend: string;
}): Promise<ExportedModel> {
  const { dataset: ds, best } = args;
  // The replicas still hold the last trial's model; load the selected trial's (no further updates follow).
  const spec = modelSpecFor(best.hyperparameters, ds.width);
  await args.group.setModel({ spec, params: best.params, adam: newAdamState(best.params.length), optimizer: { learningRate: best.hyperparameters.learningRate } });
  const valIdx = rangeIndices(ds.split.validation);
  const testIdx = rangeIndices(ds.split.test);
  const valPred = await predictReturns(args.group, ds, valIdx);
  const testPred = await predictReturns(args.group, ds, testIdx);
  const validation = splitMetrics(valPred, ds, valIdx, args.timeframe, 'validation');
  const test = splitMetrics(testPred, ds, testIdx, args.timeframe, 'test');

  const onnxBytes = exportOnnx(spec, best.params, { targetMean: ds.targetMean, targetStd: ds.targetStd, docString: `${args.key} ${best.hyperparameters.model} run ${args.runId}` });
  const sha256 = createHash('sha256').update(onnxBytes).digest('hex');
  const testActual = Float64Array.from(testIdx, (i) => ds.targets[i]!);
  const testNaive = Float64Array.from(testIdx, (i) => ds.lastReturn[i]!);
  const trainRows = ds.split.train.end - 1 + ds.windowSize;
  const featureHists = Object.fromEntries(
    args.featureSpec.names.map((name, f) => {
      const col = new Float64Array(trainRows);
      for (let r = 0; r < trainRows; r++) col[r] = ds.features[r * ds.width + f]!;
      return [name, histogram(col)];
    }),
  );
  const iso = (t: number | string) => new Date(t).toISOString();
  const metadata: ModelMetadata = modelMetadataSchema.parse({
    schemaVersion: 1,
    key: args.key,
    symbol: args.symbol,
    timeframe: args.timeframe,
    runId: args.runId,
    createdAt: new Date().toISOString(),
    target: 'next-bar simple return',
    featureSpec: args.featureSpec,
    normalisation: ds.normalisation,
    windowSize: ds.windowSize,
    minBars: minBarsForWindow(args.featureSpec, ds.windowSize),
    input: { name: INPUT_NAME, shape: ['batch', ds.windowSize, ds.width] },
    output: { name: OUTPUT_NAME, shape: ['batch', 1] },
    onnx: { opset: ONNX_OPSET, sha256, bytes: onnxBytes.length },
    hyperparameters: best.hyperparameters,
    search: args.trials.map((t) => ({ hyperparameters: t.hyperparameters, validationMse: t.validationMse, epochsRun: t.epochsRun })),
    metrics: { validation, test },
    lossCurves: best.curves,
    equityCurves: {
      model: downsample(equityCurve(signStrategyReturns(testPred, testActual)), 200),
      naive: downsample(equityCurve(signStrategyReturns(testNaive, testActual)), 200),
    },
    driftBaseline: { features: featureHists, prediction: histogram(valPred) },
    dataset: {
      manifestId: args.manifestId,
      bars: ds.bars,
      firstBarTime: iso(ds.barTimes.first),
      lastBarTime: iso(ds.barTimes.last),
      samples: {
        train: ds.split.train.end - ds.split.train.start,
        validation: ds.split.validation.end - ds.split.validation.start,
        test: ds.split.test.end - ds.split.test.start,
      },
      purgeGapBars: args.purgeGapBars,
    },
    codeVersion: codeVersion(),
    backend: args.backend,
  });
  // model.onnx first: metadata.json appearing means both are complete.
  const artifactUri = await args.store.write(modelKey(args.symbol, args.timeframe, args.runId), onnxBytes);
  const metadataUri = await writeJson(args.store, metadataKey(args.symbol, args.timeframe, args.runId), metadata);
  return { key: args.key, artifactUri, metadataUri, sha256, metrics: test, metadata };
}
