import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { awsClient } from '../../core/aws/clients.js';
import { loadConfig, requiredEnv, type SignalForgeConfig } from '../../core/config/index.js';
import { CloudWatchLiveMetrics, ModelRegistry, type LiveMetricsSource } from '../../core/registry/index.js';
import { launcherFromEnv, type TrainerLauncher } from './launchers/index.js';
import { ec2SpotPriceHistory, sageMakerBillableSeconds, type SpotPriceHistory } from './cost/price-run.js';
import { ConsoleNotifier, SnsNotifier, type Notifier } from './notifier.js';
import type { ChampionScorer } from './tasks/champion.js';

/** Everything the retrain tasks touch; Lambda builds it from the environment, tests and the sandbox pass their own. */
export interface TrainingDeps {
  config: SignalForgeConfig;
  s3: S3Client;
  lakeBucket: string;
  artifactBucket: string;
  registry: ModelRegistry;
  launcher: TrainerLauncher;
  notifier: Notifier;
  liveMetrics: LiveMetricsSource;
  now: () => Date;
  /**
   * Re-scores a production model on a candidate's latest fold (tasks/champion.ts). Injected rather than imported
   * by the gate so that only the gate's Lambda bundles onnxruntime; without it the gate fails closed whenever a
   * production version exists.
   */
  scoreChampion?: ChampionScorer;
  /** Prices the run's instances at its end (cost/price-run.ts); EC2 needs the spot price history. */
  spotPrices?: SpotPriceHistory;
  billableSeconds?: (jobName: string) => Promise<number | undefined>;
}

/** Builds the launcher on first use, so tasks that never launch do not need the launcher's environment. */
function lazyLauncher(config: SignalForgeConfig, env: NodeJS.ProcessEnv): TrainerLauncher {
  let launcher: TrainerLauncher | undefined;
  const get = () => (launcher ??= launcherFromEnv(config, env));
  return {
    backend: config.training.backend,
    launch: (request) => get().launch(request),
    describe: (handle) => get().describe(handle),
    terminate: (handle) => get().terminate(handle),
    terminateRun: async (parentRunId) => (await get().terminateRun?.(parentRunId)) ?? [],
  };
}

/**
 * From LAKE_BUCKET, ARTIFACT_BUCKET, REGISTRY_TABLE, ALERT_TOPIC_ARN and SIGNALFORGE_CONFIG_JSON (plus launcher
 * variables).
 */
export function depsFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<TrainingDeps> = {}): TrainingDeps {
  const config = overrides.config ?? loadConfig({ env });
  return {
    config,
    s3: overrides.s3 ?? awsClient(S3Client, env),
    lakeBucket: overrides.lakeBucket ?? requiredEnv('LAKE_BUCKET', env),
    artifactBucket: overrides.artifactBucket ?? requiredEnv('ARTIFACT_BUCKET', env),
    registry: overrides.registry ?? new ModelRegistry({ tableName: requiredEnv('REGISTRY_TABLE', env) }),
    launcher: overrides.launcher ?? lazyLauncher(config, env),
    notifier:
      overrides.notifier ?? (env.ALERT_TOPIC_ARN ? new SnsNotifier(env.ALERT_TOPIC_ARN) : new ConsoleNotifier()),
    liveMetrics: overrides.liveMetrics ?? new CloudWatchLiveMetrics(),
    now: overrides.now ?? (() => new Date()),
    ...(overrides.scoreChampion ? { scoreChampion: overrides.scoreChampion } : {}),
    ...pricingFromEnv(config, env, overrides),
  };
}

/** The price sources of the configured backend: EC2 spot price history, or SageMaker's billable seconds. */
function pricingFromEnv(
  config: SignalForgeConfig,
  env: NodeJS.ProcessEnv,
  overrides: Partial<TrainingDeps>,
): Pick<TrainingDeps, 'spotPrices' | 'billableSeconds'> {
  const spotPrices =
    overrides.spotPrices ??
    (config.training.backend === 'ec2' ? ec2SpotPriceHistory(awsClient(EC2Client, env)) : undefined);
  const billableSeconds =
    overrides.billableSeconds ??
    (config.training.backend === 'sagemaker' ? sageMakerBillableSeconds(awsClient(SageMakerClient, env)) : undefined);
  return { ...(spotPrices ? { spotPrices } : {}), ...(billableSeconds ? { billableSeconds } : {}) };
}
