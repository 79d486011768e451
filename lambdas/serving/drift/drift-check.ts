import type { S3Client } from '@aws-sdk/client-s3';
import type { Bar } from '../../../core/api/index.js';
import { servingMetadataSchema, type ServingMetadata } from '../../../core/artifacts/index.js';
import type { SignalForgeConfig, Timeframe } from '../../../core/config/index.js';
import { computeFeatures } from '../../../core/features/index.js';
import { mapLimit } from '../../../core/lake/index.js';
import type { RetrainInput } from '../../training/contracts.js';
import { readRecentBars } from '../batch/recent-bars.js';
import type { LoadedModel } from '../inference/model-cache.js';
import type { InferenceService } from '../inference/service.js';
import { psi } from './psi.js';

/** The figures of a config the check could not measure (no model, too few bars): nothing drifted. */
const NO_DRIFT_FIGURES = {
  featurePsi: {},
  featurePsiMax: null,
  featurePsiMedian: null,
  worstFeature: null,
  predictionPsi: null,
  drifted: false,
} as const;
export interface ConfigDrift {
  key: string;
  modelVersion?: number;
  status: 'checked' | 'no_model' | 'insufficient_data' | 'failed';
  samples: number;
  /** PSI per feature column named in the model's drift baseline. */
  featurePsi: Record<string, number>;
  featurePsiMax: number | null;
  /** Median over features: a broad shift moves it, one noisy momentum column does not. */
  featurePsiMedian: number | null;
  /** The feature with the largest PSI, the first place to look. */
  worstFeature: string | null;
  predictionPsi: number | null;
  drifted: boolean;
  error?: string;
}

export interface DriftReport {
  checkedAt: string;
  threshold: number;
  liveSamples: number;
  configs: ConfigDrift[];
  drifted: string[];
  retrain: { started: boolean; runId?: string; executionArn?: string; error?: string };
}

export interface DriftDeps {
  config: SignalForgeConfig;
  service: InferenceService;
  s3: S3Client;
  lakeBucket: string;
  /** Starts the retrain state machine: lambdas/training/start-retrain.ts `startRetrain` in AWS. */
  startRetrain?: (
    input: RetrainInput,
  ) => Promise<{ runId?: string; executionArn?: string; started?: boolean } | undefined>;
  /** Live rows scored per config; PSI over ~200 samples and 10 bins has a noise floor near 0.05. */
  liveSamples?: number;
  now?: () => Date;
  onConfig?: (drift: ConfigDrift) => void;
}

/**
 * Live feature rows in the space the trainer built its baseline in (gpu-trainer/export.ts bins the
 * z-scored float32 training rows): core/features' matrix, normalised with the model's own stats.
 */
function featureColumns(bars: readonly Bar[], meta: ServingMetadata, samples: number): Record<string, Float64Array> {
  const fm = computeFeatures(bars, meta.featureSpec);
  const { mean, std } = meta.normalisation;
  const rows = Math.min(samples, fm.rows);
  const first = fm.rows - rows;
  const out: Record<string, Float64Array> = {};
  fm.names.forEach((name, f) => {
    const col = new Float64Array(rows);
    for (let r = 0; r < rows; r++) col[r] = Math.fround((fm.values[(first + r) * fm.width + f]! - mean[f]!) / std[f]!);
    out[name] = col;
  });
  return out;
}

/** Predictions for the last `samples` bars, each from the bars up to it: the same path a live request takes. */
async function livePredictions(model: LoadedModel, bars: readonly Bar[], samples: number): Promise<number[]> {
  const out: number[] = [];
  const firstEnd = Math.max(model.adapter.minBars, bars.length - samples + 1);
  for (let end = firstEnd; end <= bars.length; end++) out.push(await model.run(bars.slice(0, end)));
  return out;
}

export async function checkConfigDrift(
  model: LoadedModel,
  bars: readonly Bar[],
  threshold: number,
  samples: number,
): Promise<Omit<ConfigDrift, 'key'>> {
  const meta = servingMetadataSchema.parse(model.metadata);
  const base = { modelVersion: model.ref.version, ...NO_DRIFT_FIGURES };
  if (bars.length < model.adapter.minBars + 10) {
    return {
      ...base,
      status: 'insufficient_data',
      samples: 0,
      error: `${bars.length} bars, need at least ${model.adapter.minBars + 10}`,
    };
  }
  const columns = featureColumns(bars, meta, samples);
  const featurePsi: Record<string, number> = {};
  let featurePsiMax = 0;
  let worstFeature: string | null = null;
  for (const [name, baseline] of Object.entries(meta.driftBaseline.features)) {
    const live = columns[name];
    if (!live || live.length === 0 || baseline.counts.reduce((s, c) => s + c, 0) === 0) continue;
    const value = psi(baseline, live);
    featurePsi[name] = value;
    if (value > featurePsiMax || worstFeature === null) {
      featurePsiMax = value;
      worstFeature = name;
    }
  }
  const predictions = await livePredictions(model, bars, samples);
  const predictionPsi = meta.driftBaseline.prediction.counts.some((c) => c > 0)
    ? psi(meta.driftBaseline.prediction, predictions)
    : null;
  const values = Object.values(featurePsi).sort((a, b) => a - b);
  const featurePsiMedian = values.length ? (values[(values.length - 1) >> 1]! + values[values.length >> 1]!) / 2 : null;
  // Autocorrelated columns (MACD, RSI) swing PSI on a few hundred live rows even without drift, so a single
  // column's max is reported for diagnosis; the decision uses the model's output and the broad feature shift.
  const drifted = (predictionPsi ?? 0) > threshold || (featurePsiMedian ?? 0) > threshold;
  return {
    ...base,
    status: 'checked',
    samples: predictions.length,
    featurePsi,
    featurePsiMax: worstFeature ? featurePsiMax : null,
    featurePsiMedian,
    worstFeature,
    predictionPsi,
    drifted,
  };
}

/**
 * Every config with a production model: PSI of its live features and predictions against the baseline
 * histograms in its metadata.json. Configs over config.thresholds.driftPsi are retrained in one run.
 */
export async function runDriftCheck(deps: DriftDeps): Promise<DriftReport> {
  const { config, service } = deps;
  const threshold = config.thresholds.driftPsi;
  const liveSamples = deps.liveSamples ?? 200;
  const now = deps.now ?? (() => new Date());
  const checkedAt = now().toISOString();

  const perSymbol = await mapLimit(config.universe.symbols, 4, async (symbol) => {
    const out: ConfigDrift[] = [];
    const models = new Map<Timeframe, LoadedModel>();
    const empty = (key: string, status: ConfigDrift['status'], error?: string): ConfigDrift => ({
      key,
      status,
      samples: 0,
      ...NO_DRIFT_FIGURES,
      ...(error ? { error } : {}),
    });
    for (const timeframe of config.universe.timeframes) {
      const key = `${symbol}#${timeframe}`;
      try {
        const model = await service.servingModel(key, 'production');
        if (model) models.set(timeframe, model);
        else out.push(empty(key, 'no_model'));
      } catch (err) {
        out.push(empty(key, 'failed', (err as Error).message));
      }
    }
    if (models.size === 0) return out;
    const need = Math.max(...[...models.values()].map((m) => m.adapter.minBars)) + liveSamples - 1;
    let series: Map<Timeframe, Bar[]>;
    try {
      series = await readRecentBars({
        s3: deps.s3,
        bucket: deps.lakeBucket,
        lakePrefix: config.ingest.lakePrefix,
        symbol,
        timeframes: [...models.keys()],
        limit: need,
      });
    } catch (err) {
      return [
        ...out,
        ...[...models.keys()].map((tf) => empty(`${symbol}#${tf}`, 'failed', `lake read failed: ${String(err)}`)),
      ];
    }
    for (const [timeframe, model] of models) {
      const key = `${symbol}#${timeframe}`;
      try {
        out.push({ key, ...(await checkConfigDrift(model, series.get(timeframe) ?? [], threshold, liveSamples)) });
      } catch (err) {
        out.push({ ...empty(key, 'failed', (err as Error).message), modelVersion: model.ref.version });
      }
    }
    return out;
  });

  const configs = perSymbol.flat().sort((a, b) => a.key.localeCompare(b.key));
  for (const c of configs) deps.onConfig?.(c);
  const drifted = configs.filter((c) => c.drifted).map((c) => c.key);
  const report: DriftReport = { checkedAt, threshold, liveSamples, configs, drifted, retrain: { started: false } };
  if (drifted.length > 0 && deps.startRetrain) {
    const worst = configs
      .filter((c) => c.drifted)
      .map(
        (c) =>
          `${c.key} (predictions ${c.predictionPsi?.toFixed(3)}, features median ${c.featurePsiMedian?.toFixed(3)}, max ${c.featurePsiMax?.toFixed(3)} on ${c.worstFeature})`,
      )
      .slice(0, 10)
      .join('; ');
    try {
      const res = await deps.startRetrain({
        trigger: 'drift',
        reason: `PSI over ${threshold} on ${drifted.length} config(s): ${worst}`.slice(0, 2000),
        requestedBy: 'drift-checker',
        configs: drifted,
      });
      report.retrain = {
        started: res?.started ?? true,
        ...(res?.runId ? { runId: res.runId } : {}),
        ...(res?.executionArn ? { executionArn: res.executionArn } : {}),
      };
    } catch (err) {
      report.retrain = { started: false, error: (err as Error).message };
    }
  }
  return report;
}
