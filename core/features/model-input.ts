import { z } from 'zod';
import { computeFeatures, type OhlcvBar, type SentimentPoint } from './compute.js';
import type { FeatureSpec } from './spec.js';

/** Per-column z-score statistics fitted on the training split only. */
export const normalisationSchema = z.object({
  mean: z.array(z.number()),
  std: z.array(z.number().positive()),
});
export type Normalisation = z.infer<typeof normalisationSchema>;

export class FeatureWindowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureWindowError';
  }
}

export function minBarsForWindow(spec: FeatureSpec, windowSize: number): number {
  return spec.warmupBars + windowSize;
}

/**
 * The model input for the most recent `windowSize` bars: features of the whole series, z-scored with
 * the training statistics, as a row-major [windowSize, features] Float32Array (the caller adds the
 * batch dimension). Throws FeatureWindowError when bars are too few or a value is not finite.
 */
export function buildModelInput(
  bars: readonly OhlcvBar[],
  model: { featureSpec: FeatureSpec; normalisation: Normalisation; windowSize: number },
  sentiment?: readonly SentimentPoint[],
): Float32Array {
  const { featureSpec, normalisation, windowSize } = model;
  const need = minBarsForWindow(featureSpec, windowSize);
  if (bars.length < need) throw new FeatureWindowError(`need at least ${need} bars (feature warm-up ${featureSpec.warmupBars} + window ${windowSize}), got ${bars.length}`);
  const fm = computeFeatures(bars, featureSpec, sentiment);
  const width = fm.width;
  const out = new Float32Array(windowSize * width);
  const firstRow = fm.rows - windowSize;
  for (let r = 0; r < windowSize; r++) {
    for (let f = 0; f < width; f++) {
      const v = (fm.values[(firstRow + r) * width + f]! - normalisation.mean[f]!) / normalisation.std[f]!;
      if (!Number.isFinite(v)) throw new FeatureWindowError(`feature ${fm.names[f]} is not finite at bar ${fm.firstBar + firstRow + r}`);
      out[r * width + f] = v;
    }
  }
  return out;
}
