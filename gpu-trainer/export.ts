import { createHash } from 'node:crypto';
import type { Timeframe } from '../core/config/index.js';
import { codeVersion } from '../core/lineage/index.js';
import {
  DM_METHOD,
  DSR_METHOD,
  equityCurve,
  evaluatePredictions,
  naiveForecast,
  PERIODS_PER_YEAR,
  rangeLength,
  rangesToIndices,
  signBacktest,
  summariseWalkForward,
  WALK_FORWARD_METHOD,
  type SampleRange,
  type WalkForwardSummary,
} from '../core/evaluation/index.js';
import { minBarsForWindow, type FeatureSpec, type OhlcvBar, type SentimentPoint } from '../core/features/index.js';
import {
  metadataKey,
  modelKey,
  modelMetadataSchema,
  writeJson,
  type ArtifactStore,
  type ConfigMetrics,
  type ModelMetadata,
  type WalkForwardEvaluation,
} from '../core/artifacts/index.js';
import { sampleBar, type Dataset } from './dataset.js';
import { downsample, histogram } from './evaluate.js';
import type { DataParallelGroup } from './group.js';
import { exportOnnx, INPUT_NAME, ONNX_OPSET, OUTPUT_NAME } from './model/onnx.js';
import { newAdamState } from './model/adam.js';
import type { FinalFit, TrainConfigResult, TrialResult } from './train-config.js';
import { modelSpecFor } from './train-config.js';
import { exportEnsembleOnnx } from './model/ensemble-onnx.js';
import { ENSEMBLE_SELECTION } from './search/ensemble.js';
import { validationScore } from './search/halving.js';

export interface ExportedModel {
  key: string;
  artifactUri: string;
  metadataUri: string;
  sha256: string;
  metrics: ConfigMetrics;
  metadata: ModelMetadata;
}

export interface EvaluationSettings {
  costBps: number;
  purgeGapBars: number;
  embargoBars: number;
  innerValidationFraction: number;
  rescoreHistoryBars: number;
}

/**
 * The metadata `evaluation` block of one config: per-fold and pooled metrics, Diebold-Mariano, deflated Sharpe,
 * fold boundaries with bar times, the latest fold's predictions and the raw bars to re-score a champion on it.
 */
export function walkForwardEvaluation(x: {
  dataset: Dataset;
  bars: readonly OhlcvBar[];
  sentiment?: readonly SentimentPoint[];
  /** Each trial's pooled out-of-sample predictions, in search order. */
  trialsOos: readonly ArrayLike<number>[];
  selected: number;
  timeframe: Timeframe;
  settings: EvaluationSettings;
}): { summary: WalkForwardSummary; evaluation: WalkForwardEvaluation } {
  const ds = x.dataset;
  const summary = summariseWalkForward({
    folds: ds.folds,
    targets: ds.targets,
    drift: ds.drift,
    trialsOos: x.trialsOos,
    selected: x.selected,
    timeframe: x.timeframe,
    costBps: x.settings.costBps,
  });
  const iso = (t: number | string) => new Date(t).toISOString();
  const sampleTime = (s: number) => iso(x.bars[sampleBar(ds, s)]!.t);
  const span = (ranges: SampleRange[]) => ({
    ranges,
    samples: rangeLength(ranges),
    from: sampleTime(ranges[0]!.start),
    to: sampleTime(ranges[ranges.length - 1]!.end - 1),
  });
  const firstOos = ds.folds[0]!.test.start;
  const latest = ds.folds[ds.folds.length - 1]!.test;
  const latestIdx = rangesToIndices([latest]);
  const fromBar = Math.max(0, sampleBar(ds, latest.start) - x.settings.rescoreHistoryBars);
  const toBar = sampleBar(ds, latest.end - 1) + 1; // the last sample's target bar
  const t0 = new Date(x.bars[fromBar]!.t).getTime();
  const t1 = new Date(x.bars[toBar]!.t).getTime();
  const rescoreSentiment = x.sentiment?.filter((p) => p.t >= t0 && p.t <= t1);
  const oos = x.trialsOos[x.selected]!;
  const evaluation: WalkForwardEvaluation = {
    method: WALK_FORWARD_METHOD,
    costBps: x.settings.costBps,
    purgeGapBars: x.settings.purgeGapBars,
    embargoBars: x.settings.embargoBars,
    innerValidationFraction: x.settings.innerValidationFraction,
    folds: ds.folds.map((f, k) => ({
      index: f.index,
      train: span(f.train),
      validation: span(f.validation),
      test: span([f.test]),
      metrics: summary.perFold[k]!,
    })),
    pooled: summary.pooled,
    dieboldMariano: { method: DM_METHOD, ...summary.dm },
    deflatedSharpe: { method: DSR_METHOD, ...summary.deflatedSharpe },
    trialNetSharpes: summary.trialNetSharpes,
    predictions: summary.predictions,
    latestFold: {
      times: Array.from(latestIdx, (s) => sampleTime(s)),
      // Non-finite predictions are counted in `predictions` (the gate rejects on them); JSON carries them as 0.
      predictions: Array.from(latestIdx, (s) => (Number.isFinite(oos[s - firstOos]!) ? oos[s - firstOos]! : 0)),
      actual: Array.from(latestIdx, (s) => ds.targets[s]!),
    },
    rescoreBars: x.bars.slice(fromBar, toBar + 1).map((b) => ({ t: b.t, o: b.o, h: b.h, l: b.l, c: b.c, v: b.v })),
    ...(rescoreSentiment?.length ? { rescoreSentiment } : {}),
  };
  return { summary, evaluation };
}

/**
 * Scores the walk-forward results (per fold, pooled, Diebold-Mariano, deflated Sharpe), exports the production
 * refit as model.onnx and writes metadata.json with the evaluation block the gate reads.
 */
export async function evaluateAndExport(args: {
  store: ArtifactStore;
  group: DataParallelGroup;
  key: string;
  symbol: string;
  timeframe: Timeframe;
  runId: string;
  dataset: Dataset;
  featureSpec: FeatureSpec;
  best: FinalFit;
  winner: TrialResult;
  /** Every trial, in search order (the ensemble's row last when it was scored). */
  trials: TrialResult[];
  /** Set when the ensemble won: model.onnx averages these members' refits. */
  ensemble?: TrainConfigResult['ensemble'];
  /** The same model without sentiment, when the config had sentiment columns. */
  sentimentAblation?: ModelMetadata['sentimentAblation'];
  manifestId: string;
  evaluation: EvaluationSettings;
  /** The series' raw bars and sentiment (the re-scoring window is cut from them). */
  bars: readonly OhlcvBar[];
  sentiment?: readonly SentimentPoint[];
  backend: string;
  /** core/lineage's hash of the effective config the run trained with. */
  configHash: string;
}): Promise<ExportedModel> {
  const { dataset: ds, best, timeframe } = args;
  const { costBps } = args.evaluation;
  const members = args.ensemble?.members ?? [best];
  const valIdx = rangesToIndices(ds.final.validation);
  // The group may hold another dataset (the sentiment ablation's): predict on this one.
  await args.group.setData({
    features: ds.features,
    width: ds.width,
    windowSize: ds.windowSize,
    targetsStd: ds.targetsStd,
  });
  // The production candidate's early-stopping-slice predictions: the mean of the members' (one member: the winner).
  const valStd = new Float64Array(valIdx.length);
  for (const m of members) {
    await args.group.setModel({
      spec: modelSpecFor(m.hyperparameters, ds.width),
      params: m.params,
      adam: newAdamState(m.params.length),
      optimizer: { learningRate: m.hyperparameters.learningRate },
    });
    const pred = await args.group.predict(valIdx);
    for (let i = 0; i < pred.length; i++) valStd[i]! += pred[i]! / members.length;
  }
  const refitPred = Float64Array.from(valStd, (v) => v * ds.targetStd + ds.targetMean);
  const refitNonFinite = refitPred.filter((v) => !Number.isFinite(v)).length;
  const valPred = refitPred.map((v) => (Number.isFinite(v) ? v : 0));
  const valActual = Float64Array.from(valIdx, (i) => ds.targets[i]!);
  const valDrift = Float64Array.from(valIdx, (i) => ds.drift[i]!);
  const validation: ConfigMetrics = {
    model: evaluatePredictions(valPred, valActual, timeframe, costBps),
    naive: evaluatePredictions(naiveForecast(valIdx.length), valActual, timeframe, costBps),
    drift: evaluatePredictions(valDrift, valActual, timeframe, costBps),
    split: 'validation',
  };

  const selected = args.trials.indexOf(args.winner);
  const { summary, evaluation: wf } = walkForwardEvaluation({
    dataset: ds,
    bars: args.bars,
    ...(args.sentiment ? { sentiment: args.sentiment } : {}),
    trialsOos: args.trials.map((t) => t.oos),
    selected,
    timeframe,
    settings: args.evaluation,
  });
  // The exported refit must be sane too: its own early-stopping predictions join the sanity counts.
  const evaluation: WalkForwardEvaluation = {
    ...wf,
    predictions: { ...wf.predictions, nonFinite: wf.predictions.nonFinite + refitNonFinite },
  };
  const test: ConfigMetrics = { ...summary.pooled, split: 'walk-forward' };
  const firstOos = ds.folds[0]!.test.start;
  const iso = (t: number | string) => new Date(t).toISOString();

  // A single model reads its own window; the ensemble reads its longest member's and slices per member.
  const windowSize = members.reduce((w, m) => Math.max(w, m.hyperparameters.windowSize), 0);
  const onnxBytes = args.ensemble
    ? exportEnsembleOnnx(
        members.map((m) => ({
          spec: modelSpecFor(m.hyperparameters, ds.width),
          params: m.params,
          targetMean: ds.targetMean,
          targetStd: ds.targetStd,
          normalisation: ds.normalisation,
        })),
        {
          windowSize,
          normalisation: ds.normalisation,
          docString: `${args.key} ensemble of ${members.length} run ${args.runId}`,
        },
      )
    : exportOnnx(modelSpecFor(best.hyperparameters, ds.width), best.params, {
        targetMean: ds.targetMean,
        targetStd: ds.targetStd,
        docString: `${args.key} ${best.hyperparameters.model} run ${args.runId}`,
      });
  const sha256 = createHash('sha256').update(onnxBytes).digest('hex');
  const oosActual = ds.targets.subarray(firstOos);
  const trainRows = rangesToIndices(ds.final.train).reduce((m, s) => Math.max(m, s), 0) + ds.windowSize;
  const featureHists = Object.fromEntries(
    args.featureSpec.names.map((name, f) => {
      const col = new Float64Array(trainRows);
      for (let r = 0; r < trainRows; r++) col[r] = ds.features[r * ds.width + f]!;
      return [name, histogram(col)];
    }),
  );
  const ppy = PERIODS_PER_YEAR[timeframe];
  const metadata: ModelMetadata = modelMetadataSchema.parse({
    schemaVersion: 1,
    key: args.key,
    symbol: args.symbol,
    timeframe,
    runId: args.runId,
    createdAt: new Date().toISOString(),
    target: 'next-bar simple return',
    featureSpec: args.featureSpec,
    normalisation: ds.normalisation,
    windowSize,
    minBars: minBarsForWindow(args.featureSpec, windowSize),
    input: { name: INPUT_NAME, shape: ['batch', windowSize, ds.width] },
    output: { name: OUTPUT_NAME, shape: ['batch', 1] },
    onnx: { opset: ONNX_OPSET, sha256, bytes: onnxBytes.length },
    hyperparameters: best.hyperparameters,
    search: [...args.trials]
      .map((t, i) => ({
        hyperparameters: t.hyperparameters,
        oosMse: t.oosMse,
        oosNetSharpe: summary.trialNetSharpes[i]!,
        epochsRun: t.folds.map((f) => f.epochsRun),
        ...(t.sample !== undefined ? { sample: t.sample } : {}),
        ...(t.rung !== undefined ? { rung: t.rung } : {}),
        ...(t.folds.length ? { validationMse: validationScore(t) } : {}),
        ...(t.ensembleOf ? { ensembleOf: t.ensembleOf.map((i) => args.trials[i]!.sample ?? i) } : {}),
      }))
      .sort((a, b) => a.oosMse - b.oosMse),
    ...(args.ensemble
      ? {
          ensemble: {
            members: args.ensemble.candidate.members.map((i) => ({
              sample: args.trials[i]!.sample ?? i,
              hyperparameters: args.trials[i]!.hyperparameters,
            })),
            selection: ENSEMBLE_SELECTION,
          },
        }
      : {}),
    metrics: { validation, test },
    evaluation,
    ...(args.sentimentAblation ? { sentimentAblation: args.sentimentAblation } : {}),
    lossCurves: best.curves,
    equityCurves: {
      model: downsample(
        equityCurve(
          signBacktest(
            args.winner.oos.map((v) => (Number.isFinite(v) ? v : 0)),
            oosActual,
            costBps,
            ppy,
          ).returns,
        ),
        200,
      ),
      naive: downsample(
        equityCurve(signBacktest(naiveForecast(oosActual.length), oosActual, costBps, ppy).returns),
        200,
      ),
      drift: downsample(equityCurve(signBacktest(ds.drift.subarray(firstOos), oosActual, costBps, ppy).returns), 200),
    },
    driftBaseline: { features: featureHists, prediction: histogram(valPred) },
    dataset: {
      manifestId: args.manifestId,
      bars: ds.bars,
      firstBarTime: iso(ds.barTimes.first),
      lastBarTime: iso(ds.barTimes.last),
      samples: {
        train: rangeLength(ds.final.train),
        validation: rangeLength(ds.final.validation),
        test: oosActual.length,
      },
      purgeGapBars: args.evaluation.purgeGapBars,
    },
    codeVersion: codeVersion(),
    configHash: args.configHash,
    backend: args.backend,
  });
  // model.onnx first: metadata.json appearing means both are complete.
  const artifactUri = await args.store.write(modelKey(args.symbol, args.timeframe, args.runId), onnxBytes);
  const metadataUri = await writeJson(args.store, metadataKey(args.symbol, args.timeframe, args.runId), metadata);
  return { key: args.key, artifactUri, metadataUri, sha256, metrics: test, metadata };
}
