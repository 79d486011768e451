import type { SignalForgeConfig } from '../../core/config/index.js';
import type { GateDecision } from '../../core/evaluation/index.js';
import type { RunCostSummary } from '../../lambdas/training/cost/cost-at-end.js';
import type { SeriesBars } from './bars.js';
import type { Lifecycle } from './lifecycle.js';
import type { SandboxOptions } from './options.js';
import { createProgressReporter, type ProgressReporter } from './progress.js';
import type { SandboxResources } from './resources.js';
import type { SandboxApi } from './serve.js';
import type { ScenarioName } from './scenarios.js';
import type { SentimentAblationSummary, TrainedConfigs } from './trained-configs.js';
import {
  apiStage,
  barsFor,
  createSandboxContext,
  finishOutcome,
  ingestStage,
  provisionStage,
  recordRetrainOutcome,
  reportStage,
  saveStateStage,
  servicesStage,
  serveStage,
  trainStage,
} from './stages.js';

/** One config's gate verdict in the summary line: what was decided and why. */
export interface SummaryVerdict {
  key: string;
  version: number;
  verdict: 'promotable' | 'rejected';
  /** Diebold-Mariano p-value vs naive, and Holm-adjusted over the run's configs; null without a DM test. */
  p_value: number | null;
  adjusted_p_value: number | null;
  /** Whether the version is production after the run (the gate, the approval and the canary all passed). */
  promoted: boolean;
  reason: string;
}

/** The final JSON line of `npm start -- --once` (field names are the external contract). */
export interface SandboxSummary {
  ok: boolean;
  scenario: ScenarioName;
  seed: number;
  events_ingested: number;
  lake_objects: number;
  dlq_records: number;
  /** Implausible records the sink quarantined (core/quality); must equal those sent. */
  quarantined: number;
  configs_trained: number;
  /** Configs of configs_trained that trained data-parallel (a group of more than one worker). */
  dp_configs: number;
  /** Sentiment configs scored again without sentiment on the same folds, and how many did better with it. */
  sentiment_ablation: SentimentAblationSummary;
  models_promoted: number;
  /** Candidates of this run that were not promoted: rejected by the gate, in review, or rolled back. */
  models_rejected: number;
  execution_status: string;
  duration_s: number;
  api_url: string;
  verdicts: SummaryVerdict[];
  /** The git commit (with `-dirty`) the run's code came from, and the hash of its effective config. */
  code_version: string;
  config_hash: string;
  /**
   * The retrain's Notify task priced its trainer processes: an estimate (local seconds × configured price), so
   * labelled.
   */
  training_cost?: RunCostSummary;
  /** Prediction records the API logged to the lake (live phase and any other traffic). */
  live_predictions: number;
  /** Predictions joined with their realised bar. */
  outcomes_joined: number;
  /** Bake verdicts on realised outcomes. */
  canary_verdicts: { promote: number; rollback: number; insufficient: number };
}

/** Everything the run found out, for the summary table, the e2e test and the final line. */
export interface SandboxOutcome {
  summary: SandboxSummary;
  runId: string;
  error?: string;
  poisonSent: number;
  implausibleSent: number;
  configs: string[];
  promoted: { key: string; version: number }[];
  /** Production version per config as the registry has it after the run. */
  serving: { key: string; version: number }[];
  reportUrl?: string;
  reportFile?: string;
  reportS3Uri?: string;
  /** A request body with real (or, failing that, replayed) bars of a served config, for the printed curl. */
  example?: { key: string; body: { symbol: string; timeframe: string; bars: SeriesBars['bars'] }; synthetic: boolean };
  timings: Record<string, number>;
  /** Each sentiment config's comparison with the same model without sentiment. */
  ablations: TrainedConfigs['ablations'];
  config: SignalForgeConfig;
  resources?: SandboxResources;
}

export interface RunningSandbox {
  outcome: SandboxOutcome;
  /** Undefined when the pipeline failed before the API started. */
  api?: SandboxApi;
  /** Reads bars for a config from the lake (the e2e test and the curl use them). */
  barsFor(key: string): Promise<SeriesBars | undefined>;
  /** Stops the API, trainers, the sink, Kafka and moto (those this run started). */
  stop(): Promise<string[]>;
}

export interface RunSandboxHooks {
  progress?: ProgressReporter;
  env?: NodeJS.ProcessEnv;
  /** Called as soon as the lifecycle exists, so a signal handler can stop a run that is still starting. */
  onLifecycle?: (lifecycle: Lifecycle) => void;
}

/** Per config: the gate's verdict and p-values, whether it ended in production, and the reason it did not. */
export function summaryVerdicts(
  decisions: GateDecision[],
  promoted: { key: string; version: number }[],
  later: { key: string; reason: string }[],
): SummaryVerdict[] {
  return decisions.map((d) => {
    const isPromoted = promoted.some((p) => p.key === d.key && p.version === d.version);
    const after = d.verdict === 'promotable' && !isPromoted ? later.find((r) => r.key === d.key)?.reason : undefined;
    return {
      key: d.key,
      version: d.version,
      verdict: d.verdict,
      p_value: d.dm?.pValue ?? null,
      adjusted_p_value: d.dm?.adjustedPValue ?? null,
      promoted: isPromoted,
      reason: after ?? d.reasons.join('; '),
    };
  });
}

/**
 * The whole pipeline once: services, provisioning, replay + sink, retrain execution, report, and the
 * API left serving. Never throws for a pipeline failure: the outcome says what failed, and `stop()`
 * cleans up either way. Each stage is a function of the run's context (stages.ts).
 */
export async function runSandbox(options: SandboxOptions, hooks: RunSandboxHooks = {}): Promise<RunningSandbox> {
  const ctx = createSandboxContext(options, {
    env: hooks.env ?? process.env,
    progress: hooks.progress ?? createProgressReporter(),
  });
  hooks.onLifecycle?.(ctx.lifecycle);
  try {
    await servicesStage(ctx);
    await provisionStage(ctx);
    await apiStage(ctx);
    await ingestStage(ctx);
    await trainStage(ctx);
    await recordRetrainOutcome(ctx);
    await serveStage(ctx);
  } catch (err) {
    ctx.outcome.error = (err as Error).message;
    if (ctx.retrain) ctx.outcome.summary.execution_status = ctx.retrain.status;
  }
  await reportStage(ctx);
  await saveStateStage(ctx);
  const outcome = finishOutcome(ctx);
  return { outcome, api: ctx.api, barsFor: (key) => barsFor(ctx, key), stop: () => ctx.lifecycle.closeAll() };
}
