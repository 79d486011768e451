/**
 * Training-time input dropout: each (sample, feature) of a batch is dropped with probability `rate` for the
 * whole window (one mask held across the time steps, as Keras' recurrent `dropout` / variational dropout), the
 * kept values scaled by 1/(1 - rate) so the input's expectation is unchanged. Applied to the batch before the
 * kind-specific gradient, so the explicit-BPTT kernels and tfjs autodiff see the same inputs; inference and the
 * ONNX export never drop, so they need no change.
 *
 * Why a hash rather than a generator: the mask is a pure function of (seed, optimizer step, the sample's global
 * index, feature), so a data-parallel shard draws exactly the masks one worker draws for the same samples of the
 * global batch, and a run resumed from a checkpoint (which holds the step) draws the masks it would have drawn.
 */
export interface DropoutOptions {
  /** Drop probability in [0, 1); 0 leaves the batch untouched. */
  rate: number;
  /** Per-fit seed (train-config derives it from the trial's seed, config key, trial and fold). */
  seed: number;
}

/** murmur3's 32-bit finaliser: every input bit flips each output bit with probability ~1/2. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform in [0, 1) from (seed, step, sample, feature). */
export function dropoutUniform(seed: number, step: number, sample: number, feature: number): number {
  let h = fmix32((seed ^ 0x9e3779b9) >>> 0);
  h = fmix32((h ^ Math.imul(step + 1, 0x27d4eb2f)) >>> 0);
  h = fmix32((h ^ Math.imul(sample + 1, 0x165667b1)) >>> 0);
  h = fmix32((h ^ Math.imul(feature + 1, 0x61c88647)) >>> 0);
  return h / 4294967296;
}

/**
 * Applies dropout in place to a batch `x` of [indices.length, window, features] (row-major), sample i being the
 * dataset's sample `indices[i]`; `step` is the optimizer's step count before this update (Adam's t).
 */
export function applyInputDropout(
  x: Float32Array,
  indices: Uint32Array,
  window: number,
  features: number,
  step: number,
  opts: DropoutOptions,
): void {
  if (opts.rate <= 0) return;
  const scale = 1 / (1 - opts.rate);
  const keep = new Float64Array(features);
  for (let i = 0; i < indices.length; i++) {
    for (let f = 0; f < features; f++)
      keep[f] = dropoutUniform(opts.seed, step, indices[i]!, f) < opts.rate ? 0 : scale;
    // Row by row, so the window is walked in memory order.
    for (let at = i * window * features, t = 0; t < window; t++)
      for (let f = 0; f < features; f++, at++) x[at]! *= keep[f]!;
  }
}
