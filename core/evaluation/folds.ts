/** Half-open range of sample indices, in time order. */
export interface SampleRange {
  start: number;
  /** Exclusive. */
  end: number;
}

/** One walk-forward fold: the model is fitted on `train`, early-stopped on `validation`, scored on `test`. */
export interface WalkForwardFold {
  index: number;
  /** Expanding: everything before the validation slice, less the purge gap and embargoed samples. */
  train: SampleRange[];
  /** Inner early-stopping slice at the end of the training part; never a test fold. */
  validation: SampleRange[];
  test: SampleRange;
}

export interface WalkForwardSettings {
  samples: number;
  folds: number;
  /** Samples dropped before every evaluated range (validation, test), so no training target sits next to it. */
  purgeGap: number;
  /** Samples after each test fold that no later fold trains or validates on. */
  embargo: number;
  innerValidationFraction: number;
}

export class FoldError extends Error {}

/** Fewest samples a fold's inner training part may have. */
const MIN_TRAIN = 8;

function subtract(range: SampleRange, holes: readonly SampleRange[]): SampleRange[] {
  let pieces = [range];
  for (const h of holes) {
    pieces = pieces.flatMap((p) => {
      if (h.end <= p.start || h.start >= p.end) return [p];
      const out: SampleRange[] = [];
      if (h.start > p.start) out.push({ start: p.start, end: h.start });
      if (h.end < p.end) out.push({ start: h.end, end: p.end });
      return out;
    });
  }
  return pieces.filter((p) => p.end > p.start);
}

export function rangeLength(ranges: readonly SampleRange[]): number {
  return ranges.reduce((n, r) => n + r.end - r.start, 0);
}

/** The sample indices of `ranges`, ascending. */
export function rangesToIndices(ranges: readonly SampleRange[]): Uint32Array {
  const out = new Uint32Array(rangeLength(ranges));
  let at = 0;
  for (const r of ranges) for (let i = r.start; i < r.end; i++) out[at++] = i;
  return out;
}

/**
 * Splits the part before `end` into an inner training part and an early-stopping slice at its tail,
 * with the purge gap between them and `holes` (embargoed samples) removed from both.
 */
function innerSplit(
  end: number,
  s: WalkForwardSettings,
  holes: readonly SampleRange[],
): { train: SampleRange[]; validation: SampleRange[] } {
  const nVal = Math.max(1, Math.floor(end * s.innerValidationFraction));
  const valStart = end - nVal;
  const train = subtract({ start: 0, end: valStart - s.purgeGap }, holes);
  const validation = subtract({ start: valStart, end }, holes);
  if (rangeLength(train) < MIN_TRAIN || rangeLength(validation) < 1) {
    throw new FoldError(
      `too few samples (${end}) before an evaluated range for a training part of ${MIN_TRAIN}, a purge gap of ${s.purgeGap} and a validation slice`,
    );
  }
  return { train, validation };
}

/**
 * Expanding-window walk-forward folds (the layout of scikit-learn's TimeSeriesSplit: the samples are cut
 * into `folds + 1` equal blocks, the first only ever trains, each later block is one test fold), purged and
 * embargoed as in López de Prado, Advances in Financial Machine Learning §7.4: a purge gap before every
 * evaluated range drops training samples whose targets sit next to it, and the `embargo` samples after
 * every test fold are kept out of all later training and validation, because their features are computed
 * from bars inside that test fold and serially dependent on it.
 */
export function walkForwardFolds(s: WalkForwardSettings): WalkForwardFold[] {
  if (s.folds < 1) throw new FoldError('at least one fold');
  const block = Math.floor(s.samples / (s.folds + 1));
  if (block < 1) throw new FoldError(`too few samples (${s.samples}) for ${s.folds} folds`);
  const firstTest = s.samples - s.folds * block;
  const folds: WalkForwardFold[] = [];
  const embargoed: SampleRange[] = [];
  for (let k = 0; k < s.folds; k++) {
    const test = { start: firstTest + k * block, end: firstTest + (k + 1) * block };
    const { train, validation } = innerSplit(test.start - s.purgeGap, s, embargoed);
    folds.push({ index: k, train, validation, test });
    if (s.embargo > 0) embargoed.push({ start: test.end, end: Math.min(s.samples, test.end + s.embargo) });
  }
  return folds;
}

/**
 * The split of the production refit: every sample trains except the early-stopping slice at the end
 * (behind a purge gap). Its out-of-sample estimate is the walk-forward figure, not this slice.
 */
export function finalFitSplit(
  samples: number,
  purgeGap: number,
  innerValidationFraction: number,
): { train: SampleRange[]; validation: SampleRange[] } {
  return innerSplit(samples, { samples, folds: 1, purgeGap, embargo: 0, innerValidationFraction }, []);
}
