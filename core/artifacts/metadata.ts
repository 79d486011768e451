import { z } from 'zod';
import { MODEL_KINDS, TIMEFRAMES } from '../config/index.js';
import { featureSpecSchema, normalisationSchema, ohlcvBarSchema } from '../features/index.js';
import { configMetricsSchema, evaluationMetricsSchema, sentimentAblationSchema } from './run-record.js';

const histogramSchema = z.object({
  /** Bin edges, ascending, length counts + 1; values outside fall in the first/last bin. */
  edges: z.array(z.number()),
  counts: z.array(z.number().int().nonnegative()),
});
export type Histogram = z.infer<typeof histogramSchema>;

export const hyperparametersSchema = z.object({
  model: z.enum(MODEL_KINDS),
  windowSize: z.number().int().min(1),
  /** Stacked layers (Transformer blocks, recurrent cells, dense hidden layers) and attention heads (absent: 1). */
  layers: z.number().int().min(1).optional(),
  heads: z.number().int().min(1).optional(),
  /** Training-time input dropout rate (absent: 0); inference never drops. */
  dropout: z.number().min(0).lt(1).optional(),
  hiddenUnits: z.number().int().min(1),
  learningRate: z.number().positive(),
  batchSize: z.number().int().min(1),
  epochs: z.number().int().min(1),
  seed: z.number().int(),
});
export type Hyperparameters = z.infer<typeof hyperparametersSchema>;

const rangeSchema = z.object({ start: z.number().int(), end: z.number().int() });
const foldRangeSchema = z.object({
  ranges: z.array(rangeSchema),
  samples: z.number().int(),
  from: z.string(),
  to: z.string(),
});
const metricsTripleSchema = z.object({
  model: evaluationMetricsSchema,
  naive: evaluationMetricsSchema,
  drift: evaluationMetricsSchema,
});

/** How the model was scored out of sample, with everything the gate needs to judge it and re-score a champion. */
export const walkForwardEvaluationSchema = z.object({
  method: z.string(),
  costBps: z.number(),
  purgeGapBars: z.number().int(),
  embargoBars: z.number().int(),
  innerValidationFraction: z.number(),
  /** Sample indices (half-open) and bar times (the samples' own bars) of every fold. */
  folds: z.array(
    z.object({
      index: z.number().int(),
      train: foldRangeSchema,
      validation: foldRangeSchema,
      test: foldRangeSchema,
      metrics: metricsTripleSchema,
    }),
  ),
  pooled: metricsTripleSchema,
  dieboldMariano: z.object({
    method: z.string(),
    statistic: z.number(),
    pValue: z.number().min(0).max(1),
    samples: z.number().int(),
    horizon: z.number().int(),
  }),
  deflatedSharpe: z.object({
    method: z.string(),
    probability: z.number().min(0).max(1),
    trials: z.number().int().min(1),
    /**
     * Variance of the trials' per-bar net Sharpe ratios, and the selected trial's per-bar Sharpe and return moments.
     */
    sharpeVariance: z.number().min(0),
    sharpe: z.number(),
    expectedMaxSharpe: z.number(),
    skewness: z.number(),
    kurtosis: z.number(),
    observations: z.number().int(),
  }),
  /** Every trial's pooled out-of-sample annualised net Sharpe, in search order: the deflated Sharpe's selection set. */
  trialNetSharpes: z.array(z.number()),
  /**
   * The selected trial's pooled out-of-sample predictions: standard deviation and distinct values of the finite
   * ones, and how many are not finite (the production refit's early-stopping predictions included).
   */
  predictions: z.object({ nonFinite: z.number().int(), std: z.number(), distinct: z.number().int() }),
  /** The latest fold's out-of-sample predictions with their bar times and realised targets: the champion's window. */
  latestFold: z.object({ times: z.array(z.string()), predictions: z.array(z.number()), actual: z.array(z.number()) }),
  /**
   * Raw bars from `rescoreHistoryBars` before the latest fold's first sample bar through its last target bar, so a
   * champion with its own feature spec and window can be scored on exactly those samples.
   */
  rescoreBars: z.array(ohlcvBarSchema),
  /** Sentiment points over the same span, when the series has any (a champion's spec may use them). */
  rescoreSentiment: z.array(z.object({ t: z.number(), score: z.number() })).optional(),
});
export type WalkForwardEvaluation = z.infer<typeof walkForwardEvaluationSchema>;

/** `models/<SYMBOL>/<timeframe>/<runId>/metadata.json`: everything serving and the registry need beside model.onnx. */
export const modelMetadataSchema = z.object({
  schemaVersion: z.literal(1),
  key: z.string(),
  symbol: z.string(),
  timeframe: z.enum(TIMEFRAMES),
  runId: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
  /** What the output estimates. */
  target: z.literal('next-bar simple return'),
  featureSpec: featureSpecSchema,
  normalisation: normalisationSchema,
  windowSize: z.number().int().min(1),
  /** Fewest raw bars a prediction needs: feature warm-up + window. */
  minBars: z.number().int().min(1),
  input: z.object({ name: z.string(), shape: z.tuple([z.literal('batch'), z.number().int(), z.number().int()]) }),
  output: z.object({ name: z.string(), shape: z.tuple([z.literal('batch'), z.literal(1)]) }),
  onnx: z.object({
    opset: z.number().int(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().positive(),
  }),
  hyperparameters: hyperparametersSchema,
  /**
   * Every trial of the search (each successive-halving rung's fit counts as one, and the ensemble as one more),
   * best first by pooled walk-forward out-of-sample MSE. `sample` is the sampled configuration, `rung` its halving
   * rung.
   */
  search: z.array(
    z.object({
      hyperparameters: hyperparametersSchema,
      oosMse: z.number(),
      oosNetSharpe: z.number(),
      epochsRun: z.array(z.number().int()),
      sample: z.number().int().optional(),
      rung: z.number().int().optional(),
      /** Mean inner-validation MSE over the folds (standardised): what successive halving promotes on. */
      validationMse: z.number().optional(),
      /** Set on the ensemble's row: its members' sample indices. */
      ensembleOf: z.array(z.number().int()).optional(),
    }),
  ),
  /** Present when model.onnx is the ensemble: its members, each with its own window (the graph slices the input). */
  ensemble: z
    .object({
      members: z.array(z.object({ sample: z.number().int(), hyperparameters: hyperparametersSchema })),
      /** How members were chosen for each walk-forward test fold and for the production graph. */
      selection: z.string(),
    })
    .optional(),
  /**
   * `test` is the walk-forward estimate (pooled out-of-sample); `validation` the production refit's early-stopping
   * slice.
   */
  metrics: z.object({ validation: configMetricsSchema, test: configMetricsSchema }),
  evaluation: walkForwardEvaluationSchema,
  /**
   * Present when the config trained with sentiment features and the ablation ran (training.sentimentAblation): the
   * ablated trial's sampled configuration and hyperparameters with the comparison.
   */
  sentimentAblation: sentimentAblationSchema
    .extend({ sample: z.number().int().optional(), hyperparameters: hyperparametersSchema })
    .optional(),
  lossCurves: z.object({ train: z.array(z.number()), validation: z.array(z.number()) }),
  /**
   * Pooled out-of-sample net equity of the sign strategy and of the baselines' (naive stays flat), at most 200 points
   * each.
   */
  equityCurves: z.object({
    model: z.array(z.number()),
    naive: z.array(z.number()),
    drift: z.array(z.number()).optional(),
  }),
  driftBaseline: z.object({
    features: z.record(z.string(), histogramSchema),
    prediction: histogramSchema,
  }),
  dataset: z.object({
    manifestId: z.string(),
    bars: z.number().int(),
    firstBarTime: z.string(),
    lastBarTime: z.string(),
    /** Samples of the production refit (train, early-stopping slice) and pooled out-of-sample test samples. */
    samples: z.object({ train: z.number().int(), validation: z.number().int(), test: z.number().int() }),
    purgeGapBars: z.number().int(),
  }),
  codeVersion: z.string(),
  /** core/lineage's hash of the effective config (absent in metadata written before lineage). */
  configHash: z.string().optional(),
  backend: z.string(),
});
export type ModelMetadata = z.infer<typeof modelMetadataSchema>;

/**
 * What serving, drift checks and champion re-scoring read from metadata.json. Parsed on its own so a model
 * trained before walk-forward evaluation (no `evaluation` block, older metric fields) still serves.
 */
export const servingMetadataSchema = modelMetadataSchema.pick({
  key: true,
  symbol: true,
  timeframe: true,
  runId: true,
  target: true,
  featureSpec: true,
  normalisation: true,
  windowSize: true,
  minBars: true,
  input: true,
  output: true,
  onnx: true,
  driftBaseline: true,
});
export type ServingMetadata = z.infer<typeof servingMetadataSchema>;
