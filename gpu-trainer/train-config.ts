import type { Hyperparameters } from '../core/artifacts/index.js';
import { rangeIndices, type Dataset } from './dataset.js';
import type { DataParallelGroup } from './group.js';
import { newAdamState, type AdamState } from './model/adam.js';
import { initParams, type ModelSpec } from './model/spec.js';
import { Rng, deriveSeed } from './rng.js';

/** Thrown at a step boundary after the checkpoint is safely written, when a stop was requested. */
export class InterruptedError extends Error {
  constructor(readonly reason: string) {
    super(`training interrupted: ${reason}`);
    this.name = 'InterruptedError';
  }
}

export interface TrialResult {
  hyperparameters: Hyperparameters;
  validationMse: number;
  epochsRun: number;
  /** Parameters of the best validation epoch. */
  params: Float32Array;
  curves: { train: number[]; validation: number[] };
}

interface TrialState {
  index: number;
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

/** Everything needed to continue one config exactly where it stopped. */
export interface ConfigCheckpoint {
  version: 1;
  key: string;
  /** Steps taken in this config, over all trials. */
  step: number;
  elapsedMs: number;
  done: TrialResult[];
  current: TrialState | null;
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
  onStep?(info: { trial: number; epoch: number; step: number; loss: number; allreduceMs: number; wallMs: number; samples: number }): void;
}

function finiteOrMax(v: number): number {
  return Number.isFinite(v) ? v : Number.MAX_VALUE;
}

export function modelSpecFor(hp: Hyperparameters, features: number): ModelSpec {
  return { kind: hp.model, windowSize: hp.windowSize, features, hidden: hp.hiddenUnits };
}

function newTrial(index: number, hp: Hyperparameters, key: string, features: number): TrialState {
  const rng = new Rng(deriveSeed(hp.seed, key, index));
  const params = initParams(modelSpecFor(hp, features), rng);
  return {
    index,
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
 * Trains one config: the trials of the search one after another, each with early stopping on
 * validation MSE (standardised units). Deterministic given the seed: batch order comes from a
 * checkpointed RNG, so a resumed run takes the same steps as an uninterrupted one.
 */
export async function trainConfig(opts: TrainConfigOptions): Promise<{ best: TrialResult; trials: TrialResult[]; steps: number }> {
  const { dataset: ds, group } = opts;
  const cp: ConfigCheckpoint = opts.resumeFrom ?? { version: 1, key: opts.key, step: 0, elapsedMs: 0, done: [], current: null };
  const trainIdx = rangeIndices(ds.split.train);
  const valIdx = rangeIndices(ds.split.validation);
  await group.setData({ features: ds.features, width: ds.width, windowSize: ds.windowSize, targetsStd: ds.targetsStd });
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

  while (cp.current || cp.done.length < opts.trials.length) {
    if (!cp.current) {
      if (cp.done.length > 0 && opts.budgetMs > 0 && elapsed() > opts.budgetMs) break;
      cp.current = newTrial(cp.done.length, opts.trials[cp.done.length]!, opts.key, ds.width);
    }
    const tr = cp.current;
    const hp = tr.hyperparameters;
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
        opts.onStep?.({ trial: tr.index, epoch: tr.epoch, step: cp.step, loss: res.loss, allreduceMs: res.allreduceMs, wallMs: res.wallMs, samples: batch.length });
        const stop = opts.stopRequested();
        if (stop || cp.step % opts.checkpointEvery === 0) await checkpoint();
        if (stop) throw new InterruptedError(stop);
      }
      const pred = await group.predict(valIdx);
      let val = 0;
      for (let i = 0; i < valIdx.length; i++) val += (pred[i]! - ds.targetsStd[valIdx[i]!]!) ** 2 / valIdx.length;
      // A diverged trial (NaN/Infinity) must still compare, serialise and lose the search.
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
    cp.done.push({ hyperparameters: hp, validationMse: tr.bestValidation!, epochsRun: tr.epoch, params: tr.bestParams!, curves: tr.curves });
    cp.current = null;
  }
  const trials = [...cp.done].sort((a, b) => a.validationMse - b.validationMse);
  return { best: trials[0]!, trials, steps: cp.step };
}
