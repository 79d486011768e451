import { z } from 'zod';

export const RUN_STATUSES = ['starting', 'running', 'succeeded', 'failed', 'interrupted'] as const;

export const evaluationMetricsSchema = z.object({
  mse: z.number(),
  mae: z.number(),
  directionalAccuracy: z.number().min(0).max(1),
  /** Share of the bars the sign strategy holds a position on that make money before costs. */
  hitRate: z.number().min(0).max(1),
  /**
   * Annualised Sharpe ratio of the sign strategy (long when the prediction is positive, short when negative), net of
   * costs.
   */
  sharpe: z.number(),
  /** The same strategy before costs. */
  grossSharpe: z.number(),
  /** Compounded net return of the sign strategy over the samples. */
  roi: z.number(),
  /** Largest peak-to-trough loss of the sign strategy's net equity curve, as a fraction in [0, 1]. */
  maxDrawdown: z.number().min(0).max(1),
  /** Mean |position change| per bar. */
  turnover: z.number().min(0),
  samples: z.number().int().nonnegative(),
});
export type EvaluationMetrics = z.infer<typeof evaluationMetricsSchema>;

export const configMetricsSchema = z.object({
  model: evaluationMetricsSchema,
  /** Naive forecast: the next return is zero (its sign strategy stays flat). */
  naive: evaluationMetricsSchema,
  /** Drift forecast: the trailing mean bar return (config evaluation.driftWindowBars). */
  drift: evaluationMetricsSchema,
  /**
   * `walk-forward`: pooled over the out-of-sample test folds; `validation`: the production refit's early-stopping
   * slice.
   */
  split: z.enum(['validation', 'walk-forward']),
});
export type ConfigMetrics = z.infer<typeof configMetricsSchema>;

/**
 * The same model without sentiment: one trial of the search, chosen on inner-validation data only (the best of
 * the last successive-halving rung), scored walk-forward again on the same folds and test samples with the
 * sentiment columns left out. Neither arm was chosen on the test folds, so the comparison is not tilted towards
 * sentiment. Diebold-Mariano on the paired squared errors, sentiment as the model and no sentiment as the
 * benchmark (one-sided: a small p says sentiment helps). Training noise (other initial weights, other dropout
 * masks) is not in the test's variance: read one config's p-value with that in mind, and the run's count of
 * significant configs against the 5% expected by chance.
 */
export const sentimentAblationSchema = z.object({
  /** Pooled out-of-sample test samples, the same for both arms. */
  samples: z.number().int(),
  withSentimentMse: z.number(),
  withoutSentimentMse: z.number(),
  dieboldMariano: z.object({ statistic: z.number(), pValue: z.number() }),
});
export type SentimentAblation = z.infer<typeof sentimentAblationSchema>;

/**
 * `runs/<runId>/run.json`: written by the trainer at start, on every heartbeat and at the end; the
 * orchestrator reads heartbeatAt to tell a live trainer from a dead one.
 */
export const runRecordSchema = z.object({
  runId: z.string().min(1),
  status: z.enum(RUN_STATUSES),
  heartbeatAt: z.iso.datetime({ offset: true }),
  attempt: z.number().int().min(1),
  configsTotal: z.number().int().nonnegative(),
  configsDone: z.number().int().nonnegative(),
  checkpointUri: z.string(),
  startedAt: z.iso.datetime({ offset: true }),
  finishedAt: z.iso.datetime({ offset: true }).optional(),
  error: z.string().optional(),
  results: z.array(
    z.object({
      key: z.string(),
      artifactUri: z.string(),
      metadataUri: z.string(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      /** Pooled walk-forward out-of-sample metrics of the selected model, with the baselines'. */
      metrics: configMetricsSchema,
      /** Workers that trained it: more than one is a data-parallel group. Absent in records before it was kept. */
      replicas: z.number().int().min(1).optional(),
      /** The same model without sentiment (metadata.json's sentimentAblation), when it ran. */
      sentimentAblation: sentimentAblationSchema.optional(),
    }),
  ),
  /** Configs that failed (too little data, ...), with the reason; the run still succeeds for the rest. */
  skipped: z.array(z.object({ key: z.string(), reason: z.string() })).default([]),
  /** core/lineage: the code and the effective config this attempt runs (absent in records written before lineage). */
  codeVersion: z.string().optional(),
  configHash: z.string().optional(),
  /** Progress detail for humans: the step each active config group is at. */
  progress: z
    .record(
      z.string(),
      z.object({ trial: z.number(), fold: z.number().optional(), epoch: z.number(), step: z.number() }),
    )
    .optional(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;
