import { z } from 'zod';
import { COST_SOURCES } from '../../core/cost/index.js';

/**
 * Everything the run report shows, in one plain shape. The sandbox maps trainer metadata, registry
 * items and the state machine's history into it, so the renderer depends on none of those modules
 * and a change in one of them breaks the mapping, not the page.
 */

/** Metric values may be null where a figure is undefined (e.g. Sharpe of a flat equity curve). */
const metricValue = z.number().nullable();

const isoTimestamp = z.iso.datetime({ offset: true });

export const stageTimingSchema = z.object({
  /** Pipeline stage, e.g. "services", "provision", "replay", "train", "promote", "serve". */
  name: z.string().min(1),
  durationSeconds: z.number().nonnegative(),
  status: z.enum(['succeeded', 'failed', 'skipped']).default('succeeded'),
});

export const ingestFiguresSchema = z.object({
  eventsIngested: z.number().int().nonnegative(),
  lakeObjects: z.number().int().nonnegative(),
  /** Dead-lettered records grouped by the sink's reason (e.g. "schema", "oversize", "json"). */
  deadLetters: z.array(z.object({ reason: z.string().min(1), count: z.number().int().nonnegative() })),
  /** Quarantined (well-formed, implausible) records grouped by plausibility rule (core/quality). */
  quarantine: z.array(z.object({ reason: z.string().min(1), count: z.number().int().nonnegative() })).default([]),
  /** Optional per-topic event counts. */
  byTopic: z.array(z.object({ topic: z.string().min(1), events: z.number().int().nonnegative() })).default([]),
});

export const modelMetricsSchema = z
  .object({
    valMse: metricValue,
    directionalAccuracy: metricValue,
    sharpe: metricValue,
    maxDrawdown: metricValue,
    baselineSharpe: metricValue,
  })
  // Further figures (baselineValMse, testMse, ...) are shown in the metrics table as they come.
  .catchall(metricValue);

export const modelReportSchema = z.object({
  /** Model config key, `<SYMBOL>#<timeframe>` such as `AAPL#1d`. */
  key: z.string().min(1),
  modelType: z.string().min(1),
  trainLoss: z.array(z.number()),
  valLoss: z.array(z.number()),
  /** Walk-forward equity of the sign strategy on held-out bars, starting at 1. */
  equity: z.array(z.number()),
  /** Equity of the naive baseline over the same bars. */
  baselineEquity: z.array(z.number()),
  metrics: modelMetricsSchema,
  /**
   * The config's search, best first by pooled walk-forward out-of-sample MSE: every halving rung's fit and the
   * ensemble.
   */
  leaderboard: z.array(leaderboardRowSchema()).default([]),
  /** The ablated trial scored again without sentiment on the same folds (metadata.json's sentimentAblation). */
  sentimentAblation: z
    .object({
      label: z.string(),
      samples: z.number().int(),
      withSentimentMse: z.number(),
      withoutSentimentMse: z.number(),
      pValue: z.number(),
    })
    .optional(),
});

function leaderboardRowSchema() {
  return z.object({
    /** Kind and size, e.g. `gru h8 w4`, or `ensemble of 3`. */
    label: z.string().min(1),
    rung: z.number().int().nullable(),
    epochs: z.number().int(),
    oosMse: z.number(),
    oosNetSharpe: z.number(),
    /** The candidate exported as model.onnx. */
    selected: z.boolean(),
  });
}

export const registryAliasSchema = z.enum(['production', 'canary']).nullable();

export const registryRowSchema = z.object({
  key: z.string().min(1),
  version: z.union([z.string().min(1), z.number().int()]),
  alias: registryAliasSchema,
  /** Traffic share for a canary, 0..1. */
  canaryWeight: z.number().min(0).max(1).optional(),
  metrics: z.record(z.string(), metricValue),
});

export const stateVisitSchema = z.object({
  name: z.string().min(1),
  status: z.enum(['succeeded', 'failed', 'running', 'skipped', 'caught', 'retried']),
  /** State type from the ASL definition (Task, Map, Choice, ...), when known. */
  type: z.string().optional(),
  enteredAt: isoTimestamp,
  exitedAt: isoTimestamp.optional(),
  /** A short reason for a failure or a Choice branch. */
  detail: z.string().optional(),
});

export const stateMachinePathSchema = z.object({
  executionName: z.string().optional(),
  status: z.enum(['SUCCEEDED', 'FAILED', 'RUNNING', 'ABORTED', 'TIMED_OUT']),
  visits: z.array(stateVisitSchema),
});

export const costEstimateSchema = z.object({
  instanceType: z.string().min(1),
  spotPerHour: z.number().nonnegative(),
  onDemandPerHour: z.number().nonnegative(),
  hours: z.number().nonnegative(),
  spotUsd: z.number().nonnegative(),
  onDemandUsd: z.number().nonnegative(),
  /** Instances the AWS run would use; the USD figures already include it. */
  instances: z.number().int().positive().default(1),
  /** Where the figure comes from, shown beside it (the sandbox's is always an estimate). */
  source: z.string().min(1).default(COST_SOURCES.local),
});

/** One candidate's promotion-gate verdict (and review), as the gate table shows it. */
export const gateRowSchema = z.object({
  key: z.string().min(1),
  version: z.number().int().min(1),
  verdict: z.enum(['promotable', 'rejected']),
  /** Where the version ended: the registry's status after the run, or the alias it holds. */
  outcome: z.string().min(1),
  /** Diebold-Mariano one-sided p-value vs naive and its Holm-adjusted value; null without a test. */
  pValue: metricValue,
  adjustedPValue: metricValue,
  netSharpe: z.number(),
  naiveNetSharpe: z.number(),
  deflatedSharpeProbability: metricValue,
  /** Production's loss and the candidate's on the candidate's latest out-of-sample fold. */
  champion: z.object({ version: z.number().int(), loss: z.number(), candidateLoss: z.number() }).nullable(),
  reasons: z.array(z.string()).min(1),
  /** Manual review, e.g. `approved by quant-carol: ...`. */
  review: z.string().optional(),
});

/** The gate's thresholds for this run, shown with the table. */
export const gateSettingsSchema = z.object({
  alpha: z.number(),
  minDeflatedSharpeProbability: z.number(),
  championMargin: z.number(),
  costBps: z.number(),
  folds: z.number().int(),
  approval: z.enum(['auto', 'manual']),
});

/** One bake verdict on realised outcomes (the A/B section). */
export const abRowSchema = z.object({
  key: z.string().min(1),
  version: z.number().int().min(1),
  mode: z.enum(['canary', 'shadow']),
  verdict: z.enum(['promote', 'rollback', 'insufficient']),
  test: z.string(),
  benchmark: z.string(),
  pValue: metricValue,
  candidateSamples: z.number().int(),
  benchmarkSamples: z.number().int(),
  reason: z.string(),
});

export const runReportDataSchema = z.object({
  runId: z.string().min(1),
  startedAt: isoTimestamp,
  durationSeconds: z.number().nonnegative(),
  /** Overall outcome of the sandbox run. */
  status: z.enum(['succeeded', 'failed', 'running']).default('succeeded'),
  /** Free-form context such as "local sandbox · moto + Kafka 3.9"; shown under the title. */
  environment: z.string().optional(),
  stages: z.array(stageTimingSchema),
  ingest: ingestFiguresSchema,
  models: z.array(modelReportSchema),
  registry: z.array(registryRowSchema),
  /** The promotion gate's verdict on every candidate of the run; empty for runs before the gate. */
  gate: z.array(gateRowSchema).default([]),
  gateSettings: gateSettingsSchema.optional(),
  /** Canary/shadow verdicts on realised outcomes; empty when nothing baked. */
  abTests: z.array(abRowSchema).default([]),
  stateMachine: stateMachinePathSchema,
  cost: costEstimateSchema,
});

/** What the sandbox passes in (defaults may be omitted). */
export type RunReportInput = z.input<typeof runReportDataSchema>;
/** The validated report data the renderer works on. */
export type RunReportData = z.output<typeof runReportDataSchema>;
export type StageTiming = z.output<typeof stageTimingSchema>;
export type IngestFigures = z.output<typeof ingestFiguresSchema>;
export type ModelReport = z.output<typeof modelReportSchema>;
export type ModelMetrics = z.output<typeof modelMetricsSchema>;
export type RegistryRow = z.output<typeof registryRowSchema>;
export type GateRow = z.output<typeof gateRowSchema>;
export type GateSettings = z.output<typeof gateSettingsSchema>;
export type AbRow = z.output<typeof abRowSchema>;
export type StateVisit = z.output<typeof stateVisitSchema>;
export type StateMachinePath = z.output<typeof stateMachinePathSchema>;
export type CostEstimate = z.output<typeof costEstimateSchema>;

/** Validate report data at the module's edge; the error lists every offending field. */
export function parseRunReportData(candidate: unknown): RunReportData {
  return runReportDataSchema.parse(candidate);
}
