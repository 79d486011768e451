import type { Hyperparameters } from '../core/artifacts/index.js';
import { mse, rangesToIndices, type SampleRange } from '../core/evaluation/index.js';
import { fitView, type Dataset, type FittedView } from './dataset.js';
import type { DataParallelGroup } from './group.js';
import { newAdamState, type AdamState } from './model/adam.js';
import { initParams, paramLayout, type ModelSpec } from './model/spec.js';
import { Rng, deriveSeed } from './rng.js';
import { ensembleCandidate, type EnsembleCandidate } from './search/ensemble.js';
import type { PlannedTrial } from './search/halving.js';

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
  /** The search's sampled configuration and successive-halving rung (absent in a fixed trial list). */
  sample?: number;
  rung?: number;
  /** Set on the ensemble's row: the trials (indices) of its production members. */
  ensembleOf?: number[];
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
  version: 3;
  key: string;
  /** Steps taken in this config, over all fits. */
  step: number;
  elapsedMs: number;
  done: TrialResult[];
  /** The trial being scored: its finished folds and their test predictions so far. */
  partial: { folds: TrialResult['folds']; oos: Float64Array } | null;
  current: FitState | null;
  /** Production refits: the winner, or every ensemble member in order. */
  finals: FinalFit[];
  /** Set once the search is complete and the production candidate chosen. */
  refit: number[] | null;
}

export interface TrainConfigOptions {
  key: string;
  dataset: Dataset;
  group: DataParallelGroup;
  /** A fixed trial list, or `plan`: the next trial given the finished ones (successive halving). */
  trials?: Hyperparameters[];
  plan?: (done: readonly TrialResult[]) => PlannedTrial | undefined;
  /** Stop starting new trials once this much training time was spent on the config (0: no limit). */
  budgetMs: number;
  /** Stop starting new trials once the config took this many optimizer steps (0: no limit; reproducible). */
  budgetSteps?: number;
  /** Average the top this many members as one more candidate (< 2: no ensemble). */
  ensembleSize?: number;
  /** false: score the trials walk-forward and stop, without a production refit (scoreTrials). */
  refit?: boolean;
  patience: number;
  checkpointEvery: number;
  clipNorm: number;
  resumeFrom?: ConfigCheckpoint;
  saveCheckpoint(cp: ConfigCheckpoint): Promise<void>;
  stopRequested(): string | undefined;
  onStep?(info: {
    trial: number;
    fold: number;
    epoch: number;
    step: number;
    loss: number;
    allreduceMs: number;
    wallMs: number;
    samples: number;
  }): void;
}

function finiteOrMax(v: number): number {
  return Number.isFinite(v) ? v : Number.MAX_VALUE;
}

export function modelSpecFor(hp: Hyperparameters, features: number): ModelSpec {
  return {
    kind: hp.model,
    windowSize: hp.windowSize,
    features,
    hidden: hp.hiddenUnits,
    ...(hp.layers ? { layers: hp.layers } : {}),
    ...(hp.heads ? { heads: hp.heads } : {}),
  };
}

/** The dropout masks' seed of one fit: like its init seed, a function of the trial's seed, config, trial and fold. */
function dropoutSeed(hp: Hyperparameters, key: string, trial: number, fold: number): number {
  return deriveSeed(hp.seed, key, trial, `fold${fold}`, 'dropout');
}

/** What a config's training chose: the single winner, or the ensemble with its members' refits. */
export interface TrainConfigResult {
  /** The production refit of the winner (the first member when the ensemble won). */
  best: FinalFit;
  /** The chosen candidate's row in `trials` (the ensemble's row when it won). */
  winner: TrialResult;
  /** Every trial in search order, plus the ensemble's row when one was scored. */
  trials: TrialResult[];
  steps: number;
  ensemble?: { members: FinalFit[]; candidate: EnsembleCandidate };
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
export async function trainConfig(opts: TrainConfigOptions): Promise<TrainConfigResult> {
  const { dataset: ds, group } = opts;
  const cp: ConfigCheckpoint = opts.resumeFrom ?? {
    version: 3,
    key: opts.key,
    step: 0,
    elapsedMs: 0,
    done: [],
    partial: null,
    current: null,
    finals: [],
    refit: null,
  };
  if (cp.version !== 3)
    throw new Error(
      `checkpoint version ${String(cp.version)} predates the successive-halving search; start the config afresh`,
    );
  const fixed = opts.trials;
  const plan =
    opts.plan ??
    ((done: readonly TrialResult[]): PlannedTrial | undefined =>
      fixed && done.length < fixed.length
        ? { hyperparameters: fixed[done.length]!, sample: done.length, rung: 0 }
        : undefined);
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
    await group.setData({
      features: view.features,
      width: ds.width,
      windowSize: ds.windowSize,
      targetsStd: view.targetsStd,
    });
    loaded = fold;
  };
  const testSamples = ds.folds.reduce((n, f) => n + f.test.end - f.test.start, 0);

  /** Runs (or continues) cp.current to its end; returns the best epoch's parameters and validation MSE. */
  const runFit = async (trainRanges: SampleRange[], valRanges: SampleRange[], view: FittedView) => {
    const tr = cp.current!;
    const hp = tr.hyperparameters;
    const trainIdx = rangesToIndices(trainRanges);
    const valIdx = rangesToIndices(valRanges);
    await group.setModel({
      spec: modelSpecFor(hp, ds.width),
      params: tr.params,
      adam: tr.adam,
      optimizer: { learningRate: hp.learningRate, clipNorm: opts.clipNorm },
      ...(hp.dropout ? { dropout: { rate: hp.dropout, seed: dropoutSeed(hp, opts.key, tr.trial, tr.fold) } } : {}),
    });
    const batchesPerEpoch = Math.ceil(trainIdx.length / hp.batchSize);
    let stopEarly = false;
    while (tr.epoch < hp.epochs && !stopEarly) {
      if (!tr.perm) {
        const rng = new Rng(tr.rngState);
        tr.perm = rng.shuffle(new Uint32Array(trainIdx));
        tr.rngState = rng.state;
      }
      while (tr.cursor < batchesPerEpoch) {
        const batch = tr.perm.subarray(
          tr.cursor * hp.batchSize,
          Math.min(tr.perm.length, (tr.cursor + 1) * hp.batchSize),
        );
        const res = await group.step(batch);
        tr.cursor++;
        cp.step++;
        tr.epochLossSum += res.loss * batch.length;
        tr.epochLossCount += batch.length;
        opts.onStep?.({
          trial: tr.trial,
          fold: tr.fold,
          epoch: tr.epoch,
          step: cp.step,
          loss: res.loss,
          allreduceMs: res.allreduceMs,
          wallMs: res.wallMs,
          samples: batch.length,
        });
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

  const overBudget = () =>
    (opts.budgetMs > 0 && elapsed() > opts.budgetMs) || ((opts.budgetSteps ?? 0) > 0 && cp.step >= opts.budgetSteps!);
  for (;;) {
    if (cp.refit || cp.current?.fold === -1) break; // the search is over (resumed inside a production refit)
    const trial = cp.done.length;
    const next = plan(cp.done);
    if (!next) break;
    if (!cp.partial) {
      if (trial > 0 && overBudget()) break;
      cp.partial = { folds: [], oos: new Float64Array(testSamples) };
    }
    const hp = next.hyperparameters;
    for (let k = cp.partial.folds.length; k < ds.folds.length; k++) {
      const fold = ds.folds[k]!;
      const view = fitView(ds, fold.train);
      await useView(k, view);
      cp.current ??= newFit(trial, k, hp, opts.key, ds.width);
      const fit = await runFit(fold.train, fold.validation, view);
      await group.setModel({
        spec: modelSpecFor(hp, ds.width),
        params: fit.params,
        adam: newAdamState(fit.params.length),
        optimizer: { learningRate: hp.learningRate },
      });
      const testIdx = rangesToIndices([fold.test]);
      const pred = await group.predict(testIdx);
      const at = fold.test.start - ds.folds[0]!.test.start;
      for (let i = 0; i < pred.length; i++) cp.partial.oos[at + i] = pred[i]! * view.targetStd + view.targetMean;
      cp.partial.folds.push({ validationMse: fit.validationMse, epochsRun: fit.epochsRun });
      cp.current = null;
    }
    const actual = ds.targets.subarray(ds.folds[0]!.test.start);
    cp.done.push({
      hyperparameters: hp,
      oos: cp.partial.oos,
      oosMse: finiteOrMax(mse(cp.partial.oos, actual)),
      folds: cp.partial.folds,
      sample: next.sample,
      rung: next.rung,
    });
    cp.partial = null;
  }

  // The single winner is the lowest pooled out-of-sample MSE (the deflated Sharpe counts every trial for that
  // choice); the ensemble, scored with members chosen per fold on validation data only, is one more candidate.
  const single = cp.done.reduce((a, b) => (b.oosMse < a.oosMse ? b : a));
  const actual = ds.targets.subarray(ds.folds[0]!.test.start);
  const candidate =
    (opts.ensembleSize ?? 0) >= 2 ? ensembleCandidate(cp.done, opts.ensembleSize!, ds.folds, actual) : undefined;
  const ensembleRow: TrialResult | undefined = candidate && {
    hyperparameters: cp.done[candidate.members[0]!]!.hyperparameters,
    oos: candidate.oos,
    oosMse: candidate.oosMse,
    folds: [],
    ensembleOf: candidate.members,
  };
  const ensembleWins = ensembleRow !== undefined && ensembleRow.oosMse < single.oosMse;
  cp.refit ??= opts.refit === false ? [] : ensembleWins ? candidate!.members : [cp.done.indexOf(single)];
  await useView(-1, ds);
  while (cp.finals.length < cp.refit.length) {
    const trialIndex = cp.refit[cp.finals.length]!;
    const hp = cp.done[trialIndex]!.hyperparameters;
    cp.current ??= newFit(trialIndex, -1, hp, opts.key, ds.width);
    const fit = await runFit(ds.final.train, ds.final.validation, ds);
    cp.finals.push({
      hyperparameters: hp,
      validationMse: fit.validationMse,
      epochsRun: fit.epochsRun,
      params: fit.params,
      curves: fit.curves,
    });
    cp.current = null;
  }
  const trials = ensembleRow ? [...cp.done, ensembleRow] : cp.done;
  return {
    best: cp.finals[0]!,
    winner: ensembleWins ? ensembleRow! : single,
    trials,
    steps: cp.step,
    ...(ensembleWins ? { ensemble: { members: cp.finals, candidate: candidate! } } : {}),
  };
}

/**
 * Walk-forward scores of a fixed list of trials, without the production refit: a comparison's other arm (the
 * sentiment ablation). Checkpointed and resumable like trainConfig.
 */
export async function scoreTrials(
  opts: Omit<TrainConfigOptions, 'plan' | 'ensembleSize' | 'refit'> & { trials: Hyperparameters[] },
): Promise<TrialResult[]> {
  const { trials } = await trainConfig({ ...opts, ensembleSize: 0, refit: false });
  return trials;
}
