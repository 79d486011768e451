import { z } from 'zod';
import { computeFeatures, type OhlcvBar, type SentimentPoint } from './compute.js';
import { minBarsForWindow, type FeatureSpec } from './spec.js';

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

/**
 * The model input for the most recent `windowSize` bars, z-scored with the training statistics, as a
 * row-major [windowSize, features] Float32Array (the caller adds the batch dimension). For a version-2
 * spec it reads exactly the last `minBarsForWindow` bars (historyBars + windowSize - 1); older bars are
 * ignored, so the input equals what training computed for the same bars however much history the
 * caller sends. Throws FeatureWindowError when bars are too few or a value is not finite.
 */
export function buildModelInput(
  bars: readonly OhlcvBar[],
  model: { featureSpec: FeatureSpec; normalisation: Normalisation; windowSize: number },
  sentiment?: readonly SentimentPoint[],
): Float32Array {
  const { featureSpec, normalisation, windowSize } = model;
  const need = minBarsForWindow(featureSpec, windowSize);
  if (bars.length < need) {
    const history =
      featureSpec.version === 2
        ? `feature history ${featureSpec.historyBars} + window ${windowSize} - 1`
        : `feature warm-up ${featureSpec.warmupBars} + window ${windowSize}`;
    throw new FeatureWindowError(`bars: need at least ${need} (${history}), got ${bars.length}`);
  }
  const used = featureSpec.version === 2 && bars.length > need ? bars.slice(bars.length - need) : bars;
  const fm = computeFeatures(used, featureSpec, sentiment);
  const width = fm.width;
  const out = new Float32Array(windowSize * width);
  const firstRow = fm.rows - windowSize;
  for (let r = 0; r < windowSize; r++) {
    for (let f = 0; f < width; f++) {
      const v = (fm.values[(firstRow + r) * width + f]! - normalisation.mean[f]!) / normalisation.std[f]!;
      if (!Number.isFinite(v))
        throw new FeatureWindowError(
          `feature ${fm.names[f]} is not finite at bar ${bars.length - used.length + fm.firstBar + firstRow + r}`,
        );
      out[r * width + f] = v;
    }
  }
  return out;
}
