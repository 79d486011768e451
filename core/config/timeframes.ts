import type { Timeframe } from './schema.js';

const HOUR_MS = 3_600_000;

/** Nominal bar length of each timeframe (calendar time, not trading time). */
export const TIMEFRAME_MS: Record<Timeframe, number> = {
  '1h': HOUR_MS,
  '4h': 4 * HOUR_MS,
  '1d': 24 * HOUR_MS,
  '1w': 168 * HOUR_MS,
};
