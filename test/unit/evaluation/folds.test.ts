import { describe, expect, it } from 'vitest';
import {
  finalFitSplit,
  FoldError,
  rangesToIndices,
  walkForwardFolds,
  type WalkForwardSettings,
} from '../../../core/evaluation/index.js';
import { Mulberry32 } from '../../../core/random/index.js';

/** Every violation of the fold contract, in words (empty when the folds are sound). */
function violations(s: WalkForwardSettings): string[] {
  const folds = walkForwardFolds(s);
  const out: string[] = [];
  if (folds.length !== s.folds) out.push(`${folds.length} folds, asked for ${s.folds}`);
  for (const fold of folds) {
    const fitted = [...rangesToIndices(fold.train), ...rangesToIndices(fold.validation)];
    const { start, end } = fold.test;
    if (!(end > start && end <= s.samples)) out.push(`fold ${fold.index}: empty or out-of-range test ${start}..${end}`);
    for (const i of fitted) {
      // No test index inside a training or validation range ...
      if (i >= start && i < end) out.push(`fold ${fold.index}: test index ${i} is fitted on`);
      // ... and every fitted sample precedes the test fold by more than the purge gap: its one-bar-ahead target
      // never reaches within purgeGap bars of the first test bar.
      if (i + s.purgeGap >= start) out.push(`fold ${fold.index}: sample ${i} within the purge gap of test ${start}`);
      // Embargo: nothing within `embargo` samples after an earlier test fold is fitted on.
      for (const earlier of folds.slice(0, fold.index)) {
        if (i >= earlier.test.end && i < earlier.test.end + s.embargo)
          out.push(`fold ${fold.index}: sample ${i} in the embargo after fold ${earlier.index}`);
      }
    }
    // The inner validation slice is purged from the training part the same way.
    const train = rangesToIndices(fold.train);
    const val = rangesToIndices(fold.validation);
    if (train[train.length - 1]! + s.purgeGap >= val[0]!)
      out.push(`fold ${fold.index}: training touches the validation slice`);
  }
  // Test folds are adjacent and end at the last sample: pooled OOS predictions cover each test sample once.
  for (let k = 1; k < folds.length; k++)
    if (folds[k]!.test.start !== folds[k - 1]!.test.end) out.push(`fold ${k} not adjacent`);
  if (folds[folds.length - 1]!.test.end !== s.samples) out.push('last fold does not end at the last sample');
  return out;
}

describe('walk-forward folds', () => {
  it('no test index inside any training or validation range, purge and embargo respected, over 500 random settings', () => {
    const rng = new Mulberry32(20261202);
    let built = 0;
    let rejected = 0;
    for (let trial = 0; trial < 500; trial++) {
      const s: WalkForwardSettings = {
        samples: 20 + Math.floor(rng.next() * 2000),
        folds: 1 + Math.floor(rng.next() * 10),
        purgeGap: Math.floor(rng.next() * 12),
        embargo: Math.floor(rng.next() * 15),
        innerValidationFraction: 0.05 + rng.next() * 0.4,
      };
      try {
        const found = violations(s);
        if (found.length) throw new Error(`${JSON.stringify(s)}: ${found.slice(0, 3).join('; ')}`);
        built++;
      } catch (err) {
        if (!(err instanceof FoldError)) throw err;
        rejected++;
      }
    }
    // The generator must mostly produce usable settings, or the property says little.
    expect(built).toBeGreaterThan(400);
    expect(built + rejected).toBe(500);
  });

  it('expanding windows with sklearn TimeSeriesSplit blocks', () => {
    const folds = walkForwardFolds({ samples: 600, folds: 5, purgeGap: 5, embargo: 5, innerValidationFraction: 0.15 });
    expect(folds.map((f) => f.test)).toEqual([
      { start: 100, end: 200 },
      { start: 200, end: 300 },
      { start: 300, end: 400 },
      { start: 400, end: 500 },
      { start: 500, end: 600 },
    ]);
    // Fold 0: training part [0, 95): validation = the last floor(95 * 0.15) = 14 samples, purge 5 before it.
    expect(folds[0]!.validation).toEqual([{ start: 81, end: 95 }]);
    expect(folds[0]!.train).toEqual([{ start: 0, end: 76 }]);
    // Fold 2: training part [0, 295), validation its last 44 samples [251, 295), training [0, 246) across fold 0's
    // test block, less the embargo [200, 205) after it.
    expect(folds[2]!.validation).toEqual([{ start: 251, end: 295 }]);
    expect(folds[2]!.train).toEqual([
      { start: 0, end: 200 },
      { start: 205, end: 246 },
    ]);
  });

  it('too little data is a FoldError, and the production refit keeps only the early-stopping slice out', () => {
    expect(() =>
      walkForwardFolds({ samples: 30, folds: 5, purgeGap: 5, embargo: 0, innerValidationFraction: 0.15 }),
    ).toThrow(FoldError);
    expect(finalFitSplit(100, 3, 0.2)).toEqual({
      train: [{ start: 0, end: 77 }],
      validation: [{ start: 80, end: 100 }],
    });
  });
});
