import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { ApiError, type Bar, type PredictResponse } from '../../../core/api/index.js';
import type { SignalForgeConfig, Timeframe } from '../../../core/config/index.js';
import { mapLimit, putObjectBytes } from '../../../core/lake/index.js';
import type { InferenceService } from '../inference/service.js';
import { readRecentBars } from './recent-bars.js';

export const BATCH_OUTPUT_PREFIX = 'predictions/batch';
/**
 * Bars read beyond a model's minimum. Spec v2 models use exactly their last `minBars` and ignore these;
 * spec v1 artifacts compute features over the whole request, and this history lets their EMAs settle.
 */
const HISTORY_BARS = 250;

export type BatchStatus = 'predicted' | 'no_model' | 'insufficient_data' | 'failed';

export interface BatchResult {
  key: string;
  symbol: string;
  timeframe: Timeframe;
  status: BatchStatus;
  bars: number;
  prediction?: number;
  modelVersion?: number;
  asOf?: string;
  error?: string;
}

export interface BatchSummary {
  runId: string;
  startedAt: string;
  finishedAt: string;
  configs: number;
  counts: Record<BatchStatus, number>;
  resultsUri: string;
}

export interface BatchInferenceDeps {
  config: SignalForgeConfig;
  service: InferenceService;
  s3: S3Client;
  lakeBucket: string;
  outputBucket: string;
  outputPrefix?: string;
  runId?: string;
  now?: () => Date;
  symbolConcurrency?: number;
}

/**
 * Scores every configured (symbol, timeframe) with its production model on the most recent lake bars,
 * through the same predict path as the API, and writes one JSON line per config plus a summary to S3.
 * A config without a model or enough data is recorded, not fatal: the run covers all the others.
 */
export async function runBatchInference(deps: BatchInferenceDeps): Promise<BatchSummary> {
  const { config, service, s3 } = deps;
  const now = deps.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const runId = deps.runId ?? `${startedAt.replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;

  const perSymbol = await mapLimit(config.universe.symbols, deps.symbolConcurrency ?? 4, async (symbol) => {
    const results: BatchResult[] = [];
    // Models first: a symbol with none costs no lake reads, and each model says how much history it needs.
    const needs = new Map<Timeframe, number>();
    for (const timeframe of config.universe.timeframes) {
      const key = `${symbol}#${timeframe}`;
      try {
        const model = await service.servingModel(key, 'production');
        if (model) needs.set(timeframe, Math.max(model.adapter.minBars, config.inference.minBars));
        else results.push({ key, symbol, timeframe, status: 'no_model', bars: 0 });
      } catch (err) {
        results.push({ key, symbol, timeframe, status: 'failed', bars: 0, error: (err as Error).message });
      }
    }
    if (needs.size === 0) return results;
    const limit = Math.min(config.inference.maxBars, Math.max(...needs.values()) + HISTORY_BARS);
    let series: Map<Timeframe, Bar[]>;
    try {
      series = await readRecentBars({
        s3,
        bucket: deps.lakeBucket,
        lakePrefix: config.ingest.lakePrefix,
        symbol,
        timeframes: [...needs.keys()],
        limit,
      });
    } catch (err) {
      return [
        ...results,
        ...[...needs.keys()].map(
          (timeframe): BatchResult => ({
            key: `${symbol}#${timeframe}`,
            symbol,
            timeframe,
            status: 'failed',
            bars: 0,
            error: `lake read failed: ${String(err)}`,
          }),
        ),
      ];
    }
    for (const [timeframe, need] of needs) {
      const bars = series.get(timeframe) ?? [];
      const base = { key: `${symbol}#${timeframe}`, symbol, timeframe, bars: bars.length };
      if (bars.length < need) {
        results.push({ ...base, status: 'insufficient_data', error: `${bars.length} bars in the lake, need ${need}` });
        continue;
      }
      try {
        const p: PredictResponse = await service.predict(
          { symbol, timeframe, bars },
          { routingKey: `batch:${runId}`, requestId: runId, alias: 'production' },
        );
        results.push({
          ...base,
          status: 'predicted',
          prediction: p.prediction,
          modelVersion: p.modelVersion,
          asOf: p.asOf,
        });
      } catch (err) {
        const status: BatchStatus = err instanceof ApiError && err.status === 400 ? 'insufficient_data' : 'failed';
        results.push({ ...base, status, error: (err as Error).message });
      }
    }
    return results;
  });

  const results = perSymbol.flat();
  const date = startedAt.slice(0, 10);
  const prefix = `${deps.outputPrefix ?? BATCH_OUTPUT_PREFIX}/date=${date}/run=${runId}`;
  await putObjectBytes(
    s3,
    deps.outputBucket,
    `${prefix}/predictions.jsonl`,
    `${results.map((r) => JSON.stringify(r)).join('\n')}\n`,
    'application/x-ndjson',
  );
  const counts: Record<BatchStatus, number> = { predicted: 0, no_model: 0, insufficient_data: 0, failed: 0 };
  for (const r of results) counts[r.status] += 1;
  const summary: BatchSummary = {
    runId,
    startedAt,
    finishedAt: now().toISOString(),
    configs: results.length,
    counts,
    resultsUri: `s3://${deps.outputBucket}/${prefix}/predictions.jsonl`,
  };
  await putObjectBytes(
    s3,
    deps.outputBucket,
    `${prefix}/summary.json`,
    JSON.stringify(summary, null, 2),
    'application/json',
  );
  return summary;
}
