import { mse, type WalkForwardFold } from '../../core/evaluation/index.js';
import { validationScore, type ScoredTrial } from './halving.js';

export interface EnsembleTrial extends ScoredTrial {
  oos: Float64Array;
}

export interface EnsembleCandidate {
  /** Pooled out-of-sample predictions: per test fold, the mean of that fold's members' predictions. */
  oos: Float64Array;
  oosMse: number;
  /** Indices into the trials of each fold's members. */
  foldMembers: number[][];
  /** Indices into the trials of the production graph's members, best first. */
  members: number[];
}

export const ENSEMBLE_SELECTION =
  "members per test fold: the top k sampled configurations by that fold's inner-validation MSE (inside its training part, " +
  'before the test block), each at its highest halving rung; production graph: the top k by mean inner-validation MSE over ' +
  'all folds; the ensemble counts as one more trial in the deflated Sharpe';

/**
 * The ensemble of the search's top `size` members as a walk-forward candidate. Selection never sees the test
 * fold it is scored on: for each fold the members are ranked by their inner-validation MSE on that fold (a
 * slice of the fold's training part, behind a purge gap), and the ensemble's prediction for the fold's test
 * block is the mean of those members' test predictions. Only each configuration's highest-rung fit is a member
 * (its lower rungs are the same model trained less). Undefined with fewer than two configurations.
 */
export function ensembleCandidate(
  trials: readonly EnsembleTrial[],
  size: number,
  folds: readonly WalkForwardFold[],
  actual: ArrayLike<number>,
): EnsembleCandidate | undefined {
  const latest = new Map<number, number>();
  trials.forEach((t, i) => {
    const sample = t.sample ?? i;
    const prev = latest.get(sample);
    if (prev === undefined || (trials[prev]!.rung ?? 0) <= (t.rung ?? 0)) latest.set(sample, i);
  });
  const pool = [...latest.values()].sort((a, b) => a - b);
  const k = Math.min(size, pool.length);
  if (k < 2) return undefined;
  const rank = (score: (i: number) => number) => [...pool].sort((a, b) => score(a) - score(b) || a - b).slice(0, k);
  const firstTest = folds[0]!.test.start;
  const oos = new Float64Array(trials[0]!.oos.length);
  const foldMembers = folds.map((fold, f) => {
    const members = rank((i) => {
      const v = trials[i]!.folds[f]?.validationMse;
      return v !== undefined && Number.isFinite(v) ? v : Number.MAX_VALUE;
    });
    for (let s = fold.test.start - firstTest; s < fold.test.end - firstTest; s++) {
      let sum = 0;
      for (const i of members) sum += trials[i]!.oos[s]!;
      oos[s] = sum / members.length;
    }
    return members;
  });
  const m = mse(oos, actual);
  return {
    oos,
    oosMse: Number.isFinite(m) ? m : Number.MAX_VALUE,
    foldMembers,
    members: rank((i) => validationScore(trials[i]!)),
  };
}
