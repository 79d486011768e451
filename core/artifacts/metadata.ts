import { z } from 'zod';
import { TIMEFRAMES } from '../config/index.js';
import { featureSpecSchema, normalisationSchema } from '../features/index.js';
import { configMetricsSchema } from './run-record.js';

const histogramSchema = z.object({
  /** Bin edges, ascending, length counts + 1; values outside fall in the first/last bin. */
  edges: z.array(z.number()),
  counts: z.array(z.number().int().nonnegative()),
});
export type Histogram = z.infer<typeof histogramSchema>;

export const hyperparametersSchema = z.object({
  model: z.enum(['lstm', 'gru', 'dense']),
  windowSize: z.number().int().min(1),
  hiddenUnits: z.number().int().min(1),
  learningRate: z.number().positive(),
  batchSize: z.number().int().min(1),
  epochs: z.number().int().min(1),
  seed: z.number().int(),
});
export type Hyperparameters = z.infer<typeof hyperparametersSchema>;

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
  onnx: z.object({ opset: z.number().int(), sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().positive() }),
  hyperparameters: hyperparametersSchema,
  /** The trials of the search, best first by validation MSE. */
  search: z.array(z.object({ hyperparameters: hyperparametersSchema, validationMse: z.number(), epochsRun: z.number().int() })),
  metrics: z.object({ validation: configMetricsSchema, test: configMetricsSchema }),
  lossCurves: z.object({ train: z.array(z.number()), validation: z.array(z.number()) }),
  /** Test-split equity of the sign strategy and of the naive baseline, downsampled to at most 200 points. */
  equityCurves: z.object({ model: z.array(z.number()), naive: z.array(z.number()) }),
  driftBaseline: z.object({
    features: z.record(z.string(), histogramSchema),
    prediction: histogramSchema,
  }),
  dataset: z.object({
    manifestId: z.string(),
    bars: z.number().int(),
    firstBarTime: z.string(),
    lastBarTime: z.string(),
    samples: z.object({ train: z.number().int(), validation: z.number().int(), test: z.number().int() }),
    purgeGapBars: z.number().int(),
  }),
  codeVersion: z.string(),
  backend: z.string(),
});
export type ModelMetadata = z.infer<typeof modelMetadataSchema>;
