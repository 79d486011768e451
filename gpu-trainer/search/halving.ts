import type { Hyperparameters } from '../../core/artifacts/index.js';

/** What successive halving needs of a finished trial. */
export interface ScoredTrial {
  sample?: number;
  rung?: number;
  folds: { validationMse: number }[];
}

export interface PlannedTrial {
  hyperparameters: Hyperparameters;
  sample: number;
  rung: number;
}

export interface HalvingSettings {
  reductionFactor: number;
  minEpochs: number;
  maxEpochs: number;
}

/**
 * Epochs per rung: minEpochs, eta times more per rung, and maxEpochs last; a rung that would sit less than a
 * factor eta below the maximum is dropped (2, 6, 20 rather than 2, 6, 18, 20).
 */
export function rungEpochs(s: HalvingSettings): number[] {
  const rungs: number[] = [];
  for (let e = Math.min(s.minEpochs, s.maxEpochs); e < s.maxEpochs; e *= s.reductionFactor) rungs.push(e);
  if (rungs.length > 0 && rungs[rungs.length - 1]! * s.reductionFactor > s.maxEpochs) rungs.pop();
  rungs.push(s.maxEpochs);
  return rungs;
}

/** What halving promotes on: the mean inner-validation MSE over the folds. Never the test folds. */
export function validationScore(t: ScoredTrial): number {
  if (t.folds.length === 0) return Number.MAX_VALUE;
  const mean = t.folds.reduce((a, f) => a + f.validationMse, 0) / t.folds.length;
  return Number.isFinite(mean) ? mean : Number.MAX_VALUE;
}

/**
 * The rungs for `n` sampled configurations: counts n, ceil(n / eta), ... down to 1, and the epochs of the last
 * that many rungs of rungEpochs (so the final rung always trains maxEpochs; a small search skips the shortest rungs).
 */
export function halvingSchedule(n: number, s: HalvingSettings): { count: number; epochs: number }[] {
  const counts = [n];
  while (counts[counts.length - 1]! > 1) counts.push(Math.ceil(counts[counts.length - 1]! / s.reductionFactor));
  const epochs = rungEpochs(s);
  const used = Math.min(counts.length, epochs.length);
  return epochs.slice(epochs.length - used).map((e, r) => ({ count: counts[r]!, epochs: e }));
}

/**
 * Synchronous successive halving as a pure function of the finished trials, so a resumed run (whose checkpoint
 * holds them) plans exactly the same next trial. The first rung fits every sampled configuration; each later
 * rung refits the best of the previous rung, by inner-validation MSE (test folds never decide a promotion),
 * with eta times the epochs (halvingSchedule). Synchronous rather than ASHA's asynchronous promotion: one config
 * trains on one data-parallel group at a time, and the order must not depend on timing. Returns undefined when
 * the search is complete.
 */
export function nextHalvingTrial(
  sampled: readonly Hyperparameters[],
  done: readonly ScoredTrial[],
  s: HalvingSettings,
): PlannedTrial | undefined {
  const schedule = halvingSchedule(sampled.length, s);
  let candidates = sampled.map((_, i) => i);
  let pos = 0;
  for (let rung = 0; rung < schedule.length; rung++) {
    if (rung > 0) {
      const previous = done.slice(pos - candidates.length, pos);
      candidates = previous
        .map((t, i) => ({ sample: t.sample ?? candidates[i]!, score: validationScore(t) }))
        .sort((a, b) => a.score - b.score || a.sample - b.sample)
        .slice(0, schedule[rung]!.count)
        .map((c) => c.sample);
    }
    if (done.length < pos + candidates.length) {
      const sample = candidates[done.length - pos]!;
      return { hyperparameters: { ...sampled[sample]!, epochs: schedule[rung]!.epochs }, sample, rung };
    }
    pos += candidates.length;
  }
  return undefined;
}
