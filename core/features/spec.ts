import { z } from 'zod';

export const featureParamsSchema = z.object({
  rsiPeriod: z.number().int().min(2),
  macdFast: z.number().int().min(1),
  macdSlow: z.number().int().min(2),
  macdSignal: z.number().int().min(1),
  bbPeriod: z.number().int().min(2),
  bbMultiplier: z.number().positive(),
  volatilityPeriod: z.number().int().min(2),
  /** Log returns of the previous 1..lags bars as extra columns. */
  lags: z.number().int().min(0).max(20),
  /** Bars in the trailing sentiment window; 0 leaves sentiment out. */
  sentimentWindowBars: z.number().int().min(0),
});
export type FeatureParams = z.infer<typeof featureParamsSchema>;

/**
 * Version 1 (legacy): indicators ran over every bar the caller passed, seeded at the first one, so a
 * row's value depended on how much history came with it (train/serve skew). Still parsed so older
 * artifacts stay servable and self-describing; new specs are version 2.
 */
export const featureSpecV1Schema = z.object({
  version: z.literal(1),
  names: z.array(z.string()).min(1),
  params: featureParamsSchema,
  /** Leading bars consumed before every column is defined; the first feature row is bar `warmupBars`. */
  warmupBars: z.number().int().min(0),
});

/**
 * Version 2: the features of bar i are a pure function of bars i-historyBars+1 .. i (and the sentiment
 * points in that span), recomputed from scratch for every row. Training and serving therefore see the
 * same numbers for the same bar whatever history surrounds it.
 */
export const featureSpecV2Schema = z.object({
  version: z.literal(2),
  names: z.array(z.string()).min(1),
  params: featureParamsSchema,
  /** Index inside a history slice at which every column is defined. */
  warmupBars: z.number().int().min(0),
  /** Exact number of trailing bars (the row's own bar included) each feature row is computed from. */
  historyBars: z.number().int().min(2),
});

/** Travels in metadata.json so serving rebuilds exactly the columns the model was trained on. */
export const featureSpecSchema = z
  .discriminatedUnion('version', [featureSpecV1Schema, featureSpecV2Schema])
  .superRefine((spec, ctx) => {
    if (spec.version === 2 && spec.historyBars < spec.warmupBars + 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['historyBars'],
        message: `must be at least warmupBars + 1 (${spec.warmupBars + 1})`,
      });
    }
  });
export type FeatureSpecV1 = z.infer<typeof featureSpecV1Schema>;
export type FeatureSpecV2 = z.infer<typeof featureSpecV2Schema>;
export type FeatureSpec = FeatureSpecV1 | FeatureSpecV2;

export const DEFAULT_FEATURE_PARAMS: FeatureParams = {
  rsiPeriod: 14,
  macdFast: 12,
  macdSlow: 26,
  macdSignal: 9,
  bbPeriod: 20,
  bbMultiplier: 2,
  volatilityPeriod: 20,
  lags: 3,
  sentimentWindowBars: 0,
};

export function featureNames(p: FeatureParams): string[] {
  const names = [
    'ret_1',
    'logret_1',
    `rsi_${p.rsiPeriod}`,
    'macd_line_rel',
    'macd_signal_rel',
    'macd_hist_rel',
    'bb_pctb',
    'bb_width',
    `vol_${p.volatilityPeriod}`,
    'hl_range',
    'logvol_chg',
  ];
  for (let k = 1; k <= p.lags; k++) names.push(`logret_lag_${k}`);
  if (p.sentimentWindowBars > 0)
    names.push(`sent_mean_${p.sentimentWindowBars}`, `sent_count_log_${p.sentimentWindowBars}`);
  return names;
}

/** Index of the first bar at which every column is defined (see indicators.ts for each one's start). */
export function warmupBars(p: FeatureParams): number {
  return Math.max(
    1,
    p.rsiPeriod,
    p.macdSlow + p.macdSignal - 2,
    p.bbPeriod - 1,
    p.volatilityPeriod,
    1 + p.lags,
    p.sentimentWindowBars,
  );
}

/**
 * Residual weight the seed of a recursive indicator may keep at a feature row. A seed weight of 1e-4
 * puts the windowed indicator within 0.01% (of the seed's distance) of the same indicator run over
 * unlimited history, far below the bar-to-bar noise the model sees.
 */
export const SEED_WEIGHT_TOLERANCE = 1e-4;

/**
 * Trailing bars per feature row: enough that every recursive indicator has forgotten its seed to
 * SEED_WEIGHT_TOLERANCE. An EMA of period p keeps ((p-1)/(p+1))^m of its seed after m updates,
 * Wilder's RSI ((p-1)/p)^m of its seeding mean, which it takes at index rsiPeriod. With the default
 * parameters RSI(14) is the slowest: 14 + ceil(ln 1e-4 / ln(13/14)) = 14 + 125 = index 139, so 140 bars
 * (EMA(26) needs 120, the MACD signal 25 + 42).
 */
export function historyBarsFor(p: FeatureParams, tolerance = SEED_WEIGHT_TOLERANCE): number {
  const settle = (start: number, decay: number) => start + Math.ceil(Math.log(tolerance) / Math.log(decay));
  const emaDecay = (period: number) => (period - 1) / (period + 1);
  const lastIndex = Math.max(
    warmupBars(p),
    settle(0, emaDecay(p.macdFast)),
    settle(0, emaDecay(p.macdSlow)),
    settle(p.macdSlow - 1, emaDecay(p.macdSignal)),
    settle(p.rsiPeriod, (p.rsiPeriod - 1) / p.rsiPeriod),
  );
  return lastIndex + 1;
}

export function makeFeatureSpec(overrides: Partial<FeatureParams> = {}, historyBars?: number): FeatureSpecV2 {
  const params = featureParamsSchema.parse({ ...DEFAULT_FEATURE_PARAMS, ...overrides });
  const spec: FeatureSpecV2 = {
    version: 2,
    names: featureNames(params),
    params,
    warmupBars: warmupBars(params),
    historyBars: historyBars ?? historyBarsFor(params),
  };
  return featureSpecSchema.parse(spec) as FeatureSpecV2;
}

/** The first bar (0-based) of a series that gets a feature row. */
export function firstFeatureBar(spec: FeatureSpec): number {
  return spec.version === 2 ? spec.historyBars - 1 : spec.warmupBars;
}

/** Fewest raw bars one model input needs: the window's first row still needs its full history. */
export function minBarsForWindow(spec: FeatureSpec, windowSize: number): number {
  return firstFeatureBar(spec) + windowSize;
}
