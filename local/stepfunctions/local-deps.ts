import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig } from '../../core/aws/clients.js';
import type { SignalForgeConfig } from '../../core/config/index.js';
import { CloudWatchLiveMetrics, ModelRegistry, type LiveMetricsSource } from '../../core/registry/index.js';
import type { TrainingDeps } from '../../lambdas/training/deps.js';
import type { TrainerLauncher, TrainerRuntime } from '../../lambdas/training/launchers/index.js';
import { LocalProcessLauncher } from '../trainer/local-launcher.js';
import { ConsoleNotifier, SnsNotifier } from '../../lambdas/training/notifier.js';
import { scoreChampion } from '../../lambdas/training/tasks/champion.js';
import { createTaskHandlers, type TaskHandlers } from '../../lambdas/training/tasks/index.js';

export interface LocalRetrainSetup {
  config: SignalForgeConfig;
  lakeBucket: string;
  artifactBucket: string;
  registryTable: string;
  /** Without one, notifications are printed to stderr. */
  alertTopicArn?: string;
  /** Trainer logs, one file per attempt. @default <tmp>/signalforge-trainer-logs */
  trainerLogDir?: string;
  /** @default one wasm worker, in process */
  trainerRuntime?: TrainerRuntime;
  /** Replace the local process launcher (tests). */
  launcher?: TrainerLauncher;
  /** What the bake judges canaries by. @default CloudWatch (SERVING_METRICS) at AWS_ENDPOINT_URL */
  liveMetrics?: LiveMetricsSource;
}

/**
 * The sandbox's retrain dependencies: the same task handlers the Lambdas run, against the emulator
 * named by AWS_ENDPOINT_URL, with gpu-trainer as a local process group for the trainer "instance".
 */
export function localRetrainHandlers(setup: LocalRetrainSetup): { deps: TrainingDeps; handlers: TaskHandlers } {
  const deps: TrainingDeps = {
    config: setup.config,
    s3: new S3Client(awsClientConfig()),
    lakeBucket: setup.lakeBucket,
    artifactBucket: setup.artifactBucket,
    registry: new ModelRegistry({ tableName: setup.registryTable }),
    launcher:
      setup.launcher ??
      new LocalProcessLauncher({
        config: setup.config,
        logDir: setup.trainerLogDir ?? join(tmpdir(), 'signalforge-trainer-logs'),
        runtime: setup.trainerRuntime ?? {
          workers: 1,
          backend: 'wasm',
          spotWatch: false,
          extraArgs: ['--in-process', '--heartbeat-s', '5'],
        },
      }),
    notifier: setup.alertTopicArn ? new SnsNotifier(setup.alertTopicArn) : new ConsoleNotifier(),
    liveMetrics: setup.liveMetrics ?? new CloudWatchLiveMetrics(),
    now: () => new Date(),
    scoreChampion,
  };
  return { deps, handlers: createTaskHandlers(deps) };
}
