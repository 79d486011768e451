// A real model artifact for serving tests and the inference benchmark: the trainer's own dataset
// builder, parameter init and TypeScript ONNX exporter, with metadata.json validated by the trainer's
// schema. The weights are initialised, not trained; serving does not care how good they are.
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { modelMetadataSchema, type ModelMetadata } from '../../../core/artifacts/index.js';
import type { Timeframe } from '../../../core/config/index.js';
import { makeFeatureSpec, minBarsForWindow, type FeatureSpec, type OhlcvBar } from '../../../core/features/index.js';
import { loadConfig } from '../../../core/config/index.js';
import { evaluatePredictions, naiveForecast, rangeLength, rangesToIndices } from '../../../core/evaluation/index.js';
import { buildDataset, datasetConfig, gatherWindows, type Dataset } from '../../../gpu-trainer/dataset.js';
import { histogram } from '../../../gpu-trainer/evaluate.js';
import { walkForwardEvaluation } from '../../../gpu-trainer/export.js';
import { exportOnnx, INPUT_NAME, ONNX_OPSET, OUTPUT_NAME } from '../../../gpu-trainer/model/onnx.js';
import { initParams, type ModelKind, type ModelSpec } from '../../../gpu-trainer/model/spec.js';
import { Rng } from '../../../gpu-trainer/rng.js';

export interface RealModel {
  onnx: Uint8Array;
  sha256: string;
  metadata: ModelMetadata;
  spec: ModelSpec;
  params: Float32Array;
  dataset: Dataset;
  featureSpec: FeatureSpec;
}

export interface RealModelOptions {
  symbol: string;
  timeframe: Timeframe;
  runId: string;
  bars: readonly OhlcvBar[];
  kind?: ModelKind;
  windowSize?: number;
  hidden?: number;
  seed?: number;
}

async function predictWindows(onnx: Uint8Array, ds: Dataset, idx: Uint32Array): Promise<Float64Array> {
  const session = await ort.InferenceSession.create(onnx);
  try {
    const x = gatherWindows(ds.features, ds.width, ds.windowSize, idx);
    const out = await session.run({
      [INPUT_NAME]: new ort.Tensor('float32', x, [idx.length, ds.windowSize, ds.width]),
    });
    return Float64Array.from(out[OUTPUT_NAME]!.data as Float32Array);
  } finally {
    await session.release();
  }
}

export async function buildRealModel(o: RealModelOptions): Promise<RealModel> {
  const windowSize = o.windowSize ?? 16;
  const featureSpec = makeFeatureSpec();
  const cfg = loadConfig({ env: {} });
  const ds = buildDataset(o.bars, featureSpec, { ...datasetConfig(cfg, windowSize), purgeGapBars: 2 });
  const spec: ModelSpec = { kind: o.kind ?? 'lstm', windowSize, features: ds.width, hidden: o.hidden ?? 16 };
  const params = initParams(spec, new Rng(o.seed ?? 1));
  const onnx = exportOnnx(spec, params, { targetMean: ds.targetMean, targetStd: ds.targetStd });
  const sha256 = createHash('sha256').update(onnx).digest('hex');

  const valIdx = rangesToIndices(ds.final.validation);
  const oosIdx = rangesToIndices(ds.folds.map((f) => f.test));
  const valPred = await predictWindows(onnx, ds, valIdx);
  const oosPred = await predictWindows(onnx, ds, oosIdx);
  const costBps = cfg.evaluation.costBps;
  const actual = Float64Array.from(valIdx, (i) => ds.targets[i]!);
  const validation = {
    model: evaluatePredictions(valPred, actual, o.timeframe, costBps),
    naive: evaluatePredictions(naiveForecast(actual.length), actual, o.timeframe, costBps),
    drift: evaluatePredictions(
      Float64Array.from(valIdx, (i) => ds.drift[i]!),
      actual,
      o.timeframe,
      costBps,
    ),
    split: 'validation' as const,
  };
  // The untrained model's predictions scored as the trainer scores a trial (one trial, one set of weights).
  const settings = {
    costBps,
    purgeGapBars: 2,
    embargoBars: cfg.evaluation.embargoBars,
    innerValidationFraction: cfg.evaluation.innerValidationFraction,
    rescoreHistoryBars: cfg.evaluation.rescoreHistoryBars,
  };
  const { summary, evaluation } = walkForwardEvaluation({
    dataset: ds,
    bars: o.bars,
    trialsOos: [oosPred],
    selected: 0,
    timeframe: o.timeframe,
    settings,
  });
  // As gpu-trainer/export.ts: histograms of the z-scored training rows and of validation predictions.
  const trainRows = ds.final.train[0]!.end - 1 + ds.windowSize;
  const featureHists = Object.fromEntries(
    featureSpec.names.map((name, f) => {
      const col = new Float64Array(trainRows);
      for (let r = 0; r < trainRows; r++) col[r] = ds.features[r * ds.width + f]!;
      return [name, histogram(col)];
    }),
  );
  const hp = {
    model: spec.kind,
    windowSize,
    hiddenUnits: spec.hidden,
    learningRate: 0.001,
    batchSize: 64,
    epochs: 1,
    seed: o.seed ?? 1,
  };
  const metadata = modelMetadataSchema.parse({
    schemaVersion: 1,
    key: `${o.symbol}#${o.timeframe}`,
    symbol: o.symbol,
    timeframe: o.timeframe,
    runId: o.runId,
    createdAt: new Date().toISOString(),
    target: 'next-bar simple return',
    featureSpec,
    normalisation: ds.normalisation,
    windowSize,
    minBars: minBarsForWindow(featureSpec, windowSize),
    input: { name: INPUT_NAME, shape: ['batch', windowSize, ds.width] },
    output: { name: OUTPUT_NAME, shape: ['batch', 1] },
    onnx: { opset: ONNX_OPSET, sha256, bytes: onnx.length },
    hyperparameters: hp,
    search: [
      {
        hyperparameters: hp,
        oosMse: summary.pooled.model.mse,
        oosNetSharpe: summary.trialNetSharpes[0],
        epochsRun: ds.folds.map(() => 0),
      },
    ],
    metrics: { validation, test: { ...summary.pooled, split: 'walk-forward' } },
    evaluation,
    lossCurves: { train: [], validation: [] },
    equityCurves: { model: [1], naive: [1] },
    driftBaseline: { features: featureHists, prediction: histogram(valPred) },
    dataset: {
      manifestId: `manifest-${o.runId}`,
      bars: o.bars.length,
      firstBarTime: new Date(o.bars[0]!.t).toISOString(),
      lastBarTime: new Date(o.bars[o.bars.length - 1]!.t).toISOString(),
      samples: {
        train: rangeLength(ds.final.train),
        validation: rangeLength(ds.final.validation),
        test: oosIdx.length,
      },
      purgeGapBars: 2,
    },
    codeVersion: 'test',
    backend: 'onnx-export-only',
  });
  return { onnx, sha256, metadata, spec, params, dataset: ds, featureSpec };
}
