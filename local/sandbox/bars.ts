import type { S3Client } from '@aws-sdk/client-s3';
import type { Bar } from '../../core/api/index.js';
import type { SignalForgeConfig } from '../../core/config/index.js';
import { readLiveLakeEvents, seriesBars } from '../../core/lake/index.js';

export interface SeriesBars {
  key: string;
  symbol: string;
  timeframe: string;
  /** Whether the bars come from a real data set (vega-datasets) rather than the seeded generator. */
  synthetic: boolean;
  bars: Bar[];
}

/**
 * The newest `count` bars of one (symbol, timeframe) as they landed in the lake, oldest first, in the API's wire shape.
 */
export async function latestBarsFromLake(
  s3: S3Client,
  lakeBucket: string,
  config: SignalForgeConfig,
  key: string,
  count: number,
): Promise<SeriesBars | undefined> {
  const [symbol, timeframe] = key.split('#') as [string, string];
  const events = await readLiveLakeEvents(s3, lakeBucket, config.ingest.lakePrefix, { topic: 'market-data', symbol });
  const series = seriesBars(events, symbol, timeframe).slice(-count);
  if (series.length === 0) return undefined;
  return {
    key,
    symbol,
    timeframe,
    synthetic: series.some((b) => b.synthetic),
    bars: series.map((b) => ({ t: b.eventTime, o: b.o, h: b.h, l: b.l, c: b.c, v: b.v })),
  };
}

/** How many bars to send: the API's minimum, or more when the config allows (features need warm-up). */
export function barsPerRequest(config: SignalForgeConfig): number {
  return Math.min(config.inference.maxBars, Math.max(config.inference.minBars, 120));
}
