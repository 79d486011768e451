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

/** Travels in metadata.json so serving rebuilds exactly the columns the model was trained on. */
export const featureSpecSchema = z.object({
  version: z.literal(1),
  names: z.array(z.string()).min(1),
  params: featureParamsSchema,
  /** Leading bars consumed before every column is defined; the first feature row is bar `warmupBars`. */
  warmupBars: z.number().int().min(0),
});
export type FeatureSpec = z.infer<typeof featureSpecSchema>;

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
  if (p.sentimentWindowBars > 0) names.push(`sent_mean_${p.sentimentWindowBars}`, `sent_count_log_${p.sentimentWindowBars}`);
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

export function makeFeatureSpec(overrides: Partial<FeatureParams> = {}): FeatureSpec {
  const params = featureParamsSchema.parse({ ...DEFAULT_FEATURE_PARAMS, ...overrides });
  return { version: 1, names: featureNames(params), params, warmupBars: warmupBars(params) };
}
