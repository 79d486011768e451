import type { Hyperparameters } from '../core/artifacts/index.js';
import { mse, rangesToIndices, type SampleRange } from '../core/evaluation/index.js';
import { fitView, type Dataset, type FittedView } from './dataset.js';
import type { DataParallelGroup } from './group.js';
import { newAdamState, type AdamState } from './model/adam.js';
import { initParams, paramLayout, type ModelSpec } from './model/spec.js';
import { Rng, deriveSeed } from './rng.js';

/** Thrown at a step boundary after the checkpoint is safely written, when a stop was requested. */
export class InterruptedError extends Error {
  constructor(readonly reason: string) {
    super(`training interrupted: ${reason}`);
    this.name = 'InterruptedError';
  }
}

/** One trial of the search, scored walk-forward: fitted per fold, predicting each fold's test block. */
export interface TrialResult {
  hyperparameters: Hyperparameters;
  /** Out-of-sample predictions (returns) of all test folds, in time order. */
  oos: Float64Array;
  oosMse: number;
  folds: { validationMse: number; epochsRun: number }[];
}

/** The selected trial refitted on all samples but the final early-stopping slice: the production model. */
export interface FinalFit {
  hyperparameters: Hyperparameters;
  validationMse: number;
  epochsRun: number;
  /** Parameters of the best validation epoch. */
  params: Float32Array;
  curves: { train: number[]; validation: number[] };
}

interface FitState {
  trial: number;
  /** Walk-forward fold index, or -1 for the production refit. */
  fold: number;
  hyperparameters: Hyperparameters;
  epoch: number;
  /** Next batch within the epoch's permutation. */
  cursor: number;
  perm: Uint32Array | null;
  rngState: number;
  params: Float32Array;
  adam: AdamState;
  bestValidation: number | null;
  bestParams: Float32Array | null;
  badEpochs: number;
  epochLossSum: number;
  epochLossCount: number;
  curves: { train: number[]; validation: number[] };
}

/** Everything needed to continue one config exactly where it stopped, fold progress included. */
export interface ConfigCheckpoint {
  version: 2;
  key: string;
  /** Steps taken in this config, over all fits. */
  step: number;
  elapsedMs: number;
  done: TrialResult[];
  /** The trial being scored: its finished folds and their test predictions so far. */
  partial: { folds: TrialResult['folds']; oos: Float64Array } | null;
  current: FitState | null;
  final: FinalFit | null;
}

export interface TrainConfigOptions {
  key: string;
  dataset: Dataset;
  group: DataParallelGroup;
  trials: Hyperparameters[];
  /** Stop starting new trials once this much training time was spent on the config (0: no limit). */
  budgetMs: number;
  patience: number;
  checkpointEvery: number;
  clipNorm: number;
  resumeFrom?: ConfigCheckpoint;
  saveCheckpoint(cp: ConfigCheckpoint): Promise<void>;
  stopRequested(): string | undefined;
  onStep?(info: { trial: number; fold: number; epoch: number; step: number; loss: number; allreduceMs: number; wallMs: number; samples: number }): void;
}

function finiteOrMax(v: number): number {
  return Number.isFinite(v) ? v : Number.MAX_VALUE;
}

export function modelSpecFor(hp: Hyperparameters, features: number): ModelSpec {
  return { kind: hp.model, windowSize: hp.windowSize, features, hidden: hp.hiddenUnits };
}

function newFit(trial: number, fold: number, hp: Hyperparameters, key: string, features: number): FitState {
  // The production refit keeps the seed the single-split trainer used; each fold gets its own.
  const rng = new Rng(fold < 0 ? deriveSeed(hp.seed, key, trial) : deriveSeed(hp.seed, key, trial, `fold${fold}`));
  const spec = modelSpecFor(hp, features);
  const params = initParams(spec, rng);
  // Start from the training-mean forecast: a randomly initialised head forecasts noise with about the targets'
  // own variance (twice the naive forecast's MSE), and early stopping on a short series often keeps an early
  // epoch, so a fit that learns nothing would score far below the naive forecast instead of at it. The hidden
  // layers keep their random init; the head's gradient is non-zero from the first step.
  const head = paramLayout(spec).find((p) => p.name === 'wOut')!;
  params.fill(0, head.offset, head.offset + head.size);
  return {
    trial,
    fold,
    hyperparameters: hp,
    epoch: 0,
    cursor: 0,
    perm: null,
    rngState: rng.state,
    params,
    adam: newAdamState(params.length),
    bestValidation: null,
    bestParams: null,
    badEpochs: 0,
    epochLossSum: 0,
    epochLossCount: 0,
    curves: { train: [], validation: [] },
  };
}

/**
 * Trains one config. Each trial of the search is scored walk-forward: per fold, normalisation and target
 * standardisation come from that fold's training part only, early stopping watches its inner validation
 * slice, and the best epoch predicts the fold's test block. The trial with the lowest pooled out-of-sample MSE
 * wins and is refitted on all samples but the final early-stopping slice. Deterministic given the seed: batch
 * order comes from a checkpointed RNG, so a resumed run takes the same steps as an uninterrupted one.
 */
export async function trainConfig(opts: TrainConfigOptions): Promise<{ best: FinalFit; winner: TrialResult; trials: TrialResult[]; steps: number }> {
  const { dataset: ds, group } = opts;
  const cp: ConfigCheckpoint = opts.resumeFrom ?? { version: 2, key: opts.key, step: 0, elapsedMs: 0, done: [], partial: null, current: null, final: null };
  if (cp.version !== 2) throw new Error(`checkpoint version ${String(cp.version)} predates walk-forward training; start the config afresh`);
  let sliceStart = performance.now();
  const elapsed = () => cp.elapsedMs + (performance.now() - sliceStart);
  const checkpoint = async () => {
    if (cp.current) {
      const s = await group.state();
      cp.current.params = s.params;
      cp.current.adam = s.adam;
    }
    cp.elapsedMs = elapsed();
    sliceStart = performance.now();
    await opts.saveCheckpoint(cp);
  };
  let loaded: number | null = null;
  const useView = async (fold: number, view: FittedView) => {
    if (loaded === fold) return;
    await group.setData({ features: view.features, width: ds.width, windowSize: ds.windowSize, targetsStd: view.targetsStd });
    loaded = fold;
  };
  const testSamples = ds.folds.reduce((n, f) => n + f.test.end - f.test.start, 0);

  /** Runs (or continues) cp.current to its end; returns the best epoch's parameters and validation MSE. */
  const runFit = async (trainRanges: SampleRange[], valRanges: SampleRange[], view: FittedView) => {
    const tr = cp.current!;
    const hp = tr.hyperparameters;
    const trainIdx = rangesToIndices(trainRanges);
    const valIdx = rangesToIndices(valRanges);
    await group.setModel({ spec: modelSpecFor(hp, ds.width), params: tr.params, adam: tr.adam, optimizer: { learningRate: hp.learningRate, clipNorm: opts.clipNorm } });
    const batchesPerEpoch = Math.ceil(trainIdx.length / hp.batchSize);
    let stopEarly = false;
    while (tr.epoch < hp.epochs && !stopEarly) {
      if (!tr.perm) {
        const rng = new Rng(tr.rngState);
        tr.perm = rng.shuffle(new Uint32Array(trainIdx));
        tr.rngState = rng.state;
      }
      while (tr.cursor < batchesPerEpoch) {
        const batch = tr.perm.subarray(tr.cursor * hp.batchSize, Math.min(tr.perm.length, (tr.cursor + 1) * hp.batchSize));
        const res = await group.step(batch);
        tr.cursor++;
        cp.step++;
        tr.epochLossSum += res.loss * batch.length;
        tr.epochLossCount += batch.length;
        opts.onStep?.({ trial: tr.trial, fold: tr.fold, epoch: tr.epoch, step: cp.step, loss: res.loss, allreduceMs: res.allreduceMs, wallMs: res.wallMs, samples: batch.length });
        const stop = opts.stopRequested();
        if (stop || cp.step % opts.checkpointEvery === 0) await checkpoint();
        if (stop) throw new InterruptedError(stop);
      }
      const pred = await group.predict(valIdx);
      let val = 0;
      for (let i = 0; i < valIdx.length; i++) val += (pred[i]! - view.targetsStd[valIdx[i]!]!) ** 2 / valIdx.length;
      // A diverged fit (NaN/Infinity) must still compare, serialise and lose the search.
      val = finiteOrMax(val);
      tr.curves.train.push(finiteOrMax(tr.epochLossSum / Math.max(1, tr.epochLossCount)));
      tr.curves.validation.push(val);
      tr.epochLossSum = 0;
      tr.epochLossCount = 0;
      if (tr.bestValidation === null || val < tr.bestValidation) {
        tr.bestValidation = val;
        tr.bestParams = (await group.state()).params;
        tr.badEpochs = 0;
      } else if (++tr.badEpochs >= opts.patience) {
        stopEarly = true;
      }
      tr.epoch++;
      tr.cursor = 0;
      tr.perm = null;
    }
    return { params: tr.bestParams!, validationMse: tr.bestValidation!, epochsRun: tr.epoch, curves: tr.curves };
  };

  while (cp.partial || cp.current || (cp.done.length < opts.trials.length && !cp.final)) {
    if (cp.current?.fold === -1) break; // resumed inside the production refit
    const trial = cp.done.length;
    if (!cp.partial) {
      if (trial > 0 && opts.budgetMs > 0 && elapsed() > opts.budgetMs) break;
      cp.partial = { folds: [], oos: new Float64Array(testSamples) };
    }
    const hp = opts.trials[trial]!;
    for (let k = cp.partial.folds.length; k < ds.folds.length; k++) {
      const fold = ds.folds[k]!;
      const view = fitView(ds, fold.train);
      await useView(k, view);
      cp.current ??= newFit(trial, k, hp, opts.key, ds.width);
      const fit = await runFit(fold.train, fold.validation, view);
      await group.setModel({ spec: modelSpecFor(hp, ds.width), params: fit.params, adam: newAdamState(fit.params.length), optimizer: { learningRate: hp.learningRate } });
      const testIdx = rangesToIndices([fold.test]);
      const pred = await group.predict(testIdx);
      const at = fold.test.start - ds.folds[0]!.test.start;
      for (let i = 0; i < pred.length; i++) cp.partial.oos[at + i] = pred[i]! * view.targetStd + view.targetMean;
      cp.partial.folds.push({ validationMse: fit.validationMse, epochsRun: fit.epochsRun });
      cp.current = null;
    }
    const actual = ds.targets.subarray(ds.folds[0]!.test.start);
    cp.done.push({ hyperparameters: hp, oos: cp.partial.oos, oosMse: finiteOrMax(mse(cp.partial.oos, actual)), folds: cp.partial.folds });
    cp.partial = null;
  }

  const winner = cp.done.reduce((a, b) => (b.oosMse < a.oosMse ? b : a));
  if (!cp.final) {
    const winnerIndex = cp.done.indexOf(winner);
    await useView(-1, ds);
    cp.current ??= newFit(winnerIndex, -1, winner.hyperparameters, opts.key, ds.width);
    const fit = await runFit(ds.final.train, ds.final.validation, ds);
    cp.final = { hyperparameters: winner.hyperparameters, validationMse: fit.validationMse, epochsRun: fit.epochsRun, params: fit.params, curves: fit.curves };
    cp.current = null;
  }
  return { best: cp.final, winner, trials: cp.done, steps: cp.step };
}
