import { z } from 'zod';
import { modelKeySchema } from '../../core/registry/index.js';
import type { RunCostSummary } from './cost/cost-at-end.js';

/**
 * Payloads of the retrain state machine. The execution input is validated by the first task; every
 * later task receives what an earlier task produced (trusted inside), plus the `run` context.
 */
export const RETRAIN_TRIGGERS = ['schedule', 'drift', 'new-data', 'degradation', 'manual'] as const;
export type RetrainTrigger = (typeof RETRAIN_TRIGGERS)[number];

export const retrainInputSchema = z.object({
  trigger: z.enum(RETRAIN_TRIGGERS),
  /** Why this run exists, e.g. `weekly schedule`, `PSI 0.31 > 0.2 on AAPL#1h`, `12 new lake objects`. */
  reason: z.string().min(1).max(2000),
  requestedBy: z.string().min(1).max(200).default('signalforge'),
  /** Model config keys to retrain; all of `modelConfigKeys(config)` when omitted. */
  configs: z.array(modelKeySchema).min(1).optional(),
  /** Fixed run id (tests, reruns); generated when omitted. Used in S3 keys, EC2 tags and SageMaker job names. */
  runId: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{2,50}$/)
    .optional(),
  /**
   * Canary bake time; config.thresholds.bakeSeconds when omitted. At most 4 h: the execution timeout leaves that much
   * room.
   */
  bakeSeconds: z
    .number()
    .int()
    .min(0)
    .max(4 * 3600)
    .optional(),
  /** Trainer epochs; config.training.hyperparameters.epochs when omitted. */
  epochs: z.number().int().min(1).optional(),
});
export type RetrainInput = z.input<typeof retrainInputSchema>;

/** `$.run`: the run context every later state carries. */
export interface RunContext {
  runId: string;
  trigger: RetrainTrigger;
  reason: string;
  requestedBy: string;
  startedAt: string;
  configs: string[];
  manifest: { id: string; uri: string; objects: number };
  bakeSeconds: number;
  epochs: number;
}

/** One Map item: the configs one trainer instance handles. */
export interface Shard {
  shardId: string;
  /** The trainer's --run-id; its run record is `runs/<shardRunId>/run.json`. */
  shardRunId: string;
  configs: string[];
}

export interface TrainerHandle {
  backend: string;
  /** EC2 instance id, SageMaker job name or local process id. */
  id: string;
  instanceType?: string;
  /** Where EC2 placed the instance (spot prices differ per AZ). */
  availabilityZone?: string;
  instanceTypeIndex: number;
  launchedAt: string;
}

/** State of one Map iteration. */
export interface ShardState {
  run: RunContext;
  shard: Shard;
  attempt: number;
  resume: boolean;
  instanceTypeIndex: number;
  /** The Step Functions execution (`$$.Execution.Id`), tagged on trainer instances for the sweeper. */
  executionArn?: string;
  /** When the shard's first trainer launched; bounds total time by config.training.maxRunHours. */
  firstLaunchedAt?: string;
  trainer?: TrainerHandle;
  status?: TrainerStatus;
}

export const TRAINER_STATES = ['running', 'succeeded', 'interrupted', 'dead', 'failed', 'expired'] as const;
export interface TrainerStatus {
  state: (typeof TRAINER_STATES)[number];
  detail: string;
  heartbeatAgeSeconds: number | null;
  configsDone: number;
  configsTotal: number;
}

/** A Map iteration's terminal state: the outcome waits in `$.outcome` while StopTrainer runs. */
export interface FinishingShardState extends ShardState {
  outcome: ShardOutcome;
}

/** What each Map iteration returns. */
export interface ShardOutcome {
  shardId: string;
  shardRunId: string;
  status: 'succeeded' | 'failed';
  attempts: number;
  error?: unknown;
}

export interface Candidate {
  key: string;
  shardRunId: string;
  artifactUri: string;
  metadataUri: string;
  sha256: string;
  metrics: { valMse: number; [name: string]: number | null };
  hyperparameters: Record<string, unknown>;
  datasetManifestId: string;
  codeVersion: string;
  configHash?: string;
}

export type RetrainOutcome = 'promoted' | 'partially-promoted' | 'rolled-back' | 'no-improvement' | 'failed';

/** Final output of a successful execution (and the body of its notification). */
export interface RetrainSummary {
  runId?: string;
  trigger?: string;
  reason?: string;
  outcome: RetrainOutcome;
  registered: { key: string; version: number }[];
  promoted: { key: string; version: number }[];
  rolledBack: { key: string; version: number; errorRate: number | null }[];
  /** The bake's verdicts on realised outcomes (test, p-value, sample sizes), one per judged canary. */
  canaryVerdicts?: {
    key: string;
    version: number;
    mode: 'canary' | 'shadow';
    verdict: 'promote' | 'rollback' | 'insufficient';
    test: string;
    benchmark: 'production' | 'naive';
    pValue: number | null;
    candidateSamples: number;
    benchmarkSamples: number;
    reason: string;
  }[];
  rejected: { key: string; reason: string }[];
  failedShards: string[];
  /** Configs the data-quality gate skipped, and why (the first 20; the quality report has all). */
  skippedConfigs?: { key: string; issues: string[] }[];
  error?: { Error: string; Cause: string };
  reportUri?: string;
  /** The run's instances priced at its end (lambdas/training/cost), with the source of each price. */
  cost?: RunCostSummary;
}
