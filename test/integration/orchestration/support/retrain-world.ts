import { S3Client } from '@aws-sdk/client-s3';
import { afterEach } from 'vitest';
import { awsClientConfig } from '../../../../core/aws/clients.js';
import { deepMerge, loadConfig, type SignalForgeConfig } from '../../../../core/config/index.js';
import { CloudWatchLiveMetrics, ModelRegistry } from '../../../../core/registry/index.js';
import type { TrainingDeps } from '../../../../lambdas/training/deps.js';
import type { TrainerLauncher } from '../../../../lambdas/training/launchers/index.js';
import { SnsNotifier } from '../../../../lambdas/training/notifier.js';
import { scoreChampion } from '../../../../lambdas/training/tasks/champion.js';
import { createTaskHandlers, type TaskHandlers } from '../../../../lambdas/training/tasks/index.js';
import { createAlertTopic, createBucket, createRegistryTable, uniqueName } from '../../../support/aws-fixtures.js';
import { FakeTrainerLauncher, SimClock, type FakeBehaviour } from './fake-trainer.js';
import { writeLake, type BarSeriesSpec } from './lake-fixtures.js';
import { logLiveTraffic, type TrafficQuality } from './live-traffic.js';
import {
  runRetrainLocally,
  type LocalRetrainResult,
  type RunRetrainLocallyOptions,
} from '../../../../local/stepfunctions/index.js';
import { outsideHandler } from '../../../support/iam/index.js';

export const TEST_SYMBOLS = ['AAPL', 'MSFT'];

/** The states of a run from its canaries to success, when the bake promotes: the tail every promoting path shares. */
export const CANARY_TO_SUCCESS = [
  'StartCanary',
  'BakeCanary',
  'JudgeCanary',
  'BakeDecided',
  'PromoteOrRollback',
  'NotifyOutcome',
  'RetrainSucceeded',
];

/** A small universe (2 configs, one per shard) with thresholds a 40-bar fixture can meet. */
export function testConfig(overrides: Record<string, unknown> = {}): SignalForgeConfig {
  return loadConfig({
    env: { SIGNALFORGE_ENV: 'local' },
    overrides: deepMerge(
      {
        universe: { symbols: TEST_SYMBOLS, timeframes: ['1d'] },
        training: {
          configsPerShard: 1,
          maxAttempts: 3,
          heartbeatTimeoutSeconds: 60,
          instanceTypes: ['p3.8xlarge', 'g5.12xlarge'],
        },
        thresholds: { minRowsPerConfig: 30, bakeSeconds: 0, canaryWeight: 0.1, canaryMaxErrorRate: 0.02 },
        // 39 outcomes per bake from the 40-bar lake fixture.
        deployment: { minSamples: 20, maxBakeExtensions: 1 },
      },
      overrides,
    ),
  });
}

export interface RetrainWorld {
  config: SignalForgeConfig;
  deps: TrainingDeps;
  handlers: TaskHandlers;
  registry: ModelRegistry;
  alerts: Awaited<ReturnType<typeof createAlertTopic>>;
  fake?: FakeTrainerLauncher;
  clock: SimClock;
  /** CloudWatch namespace the bake reads; unique per world because every test file shares one moto. */
  metricsNamespace: string;
}

export interface WorldOptions {
  config?: SignalForgeConfig;
  lake?: BarSeriesSpec[];
  behaviour?: (attempt: number, shardId: string) => FakeBehaviour;
  valMse?: (key: string) => number;
  /** The fake trainer's forecast skill per config (see FakeTrainerOptions.skill); 0.5 by default. */
  skill?: (key: string) => number;
  /** Use this launcher instead of the fake (e.g. the real local process launcher). */
  launcher?: (deps: {
    config: SignalForgeConfig;
    artifactBucket: string;
    s3: S3Client;
    clock: SimClock;
  }) => TrainerLauncher;
  /**
   * Live traffic while each canary bakes, as serving would log it: the canary's forecast noise (production,
   * when one serves, gets noise 0.01). Default: a good canary (noise 0.001), so the bake promotes on outcomes.
   */
  traffic?: (key: string, version: number) => TrafficQuality;
}

/** Fresh buckets, table and topic in moto, a lake fixture, and the real task handlers over them. */
export async function createRetrainWorld(options: WorldOptions = {}): Promise<RetrainWorld> {
  const config = options.config ?? testConfig();
  const [lakeBucket, artifactBucket, tableName, alerts] = await Promise.all([
    createBucket('lake'),
    createBucket('artifacts'),
    createRegistryTable(),
    createAlertTopic(),
  ]);
  await writeLake(
    lakeBucket,
    config.ingest.lakePrefix,
    options.lake ?? TEST_SYMBOLS.map((symbol) => ({ symbol, timeframe: '1d' as const, bars: 40 })),
  );
  const s3 = new S3Client(awsClientConfig());
  const clock = new SimClock();
  const registry = new ModelRegistry({ tableName });
  const metricsNamespace = uniqueName('SignalForgeTest');
  const fake = options.launcher
    ? undefined
    : new FakeTrainerLauncher({
        s3,
        artifactBucket,
        clock,
        heartbeatTimeoutSeconds: config.training.heartbeatTimeoutSeconds,
        behaviour: (req) => options.behaviour?.(req.attempt, req.shardId) ?? 'succeed',
        valMse: options.valMse ?? (() => 0.5),
        skill: options.skill ?? (() => 0.5),
      });
  const deps: TrainingDeps = {
    config,
    s3,
    lakeBucket,
    artifactBucket,
    registry,
    launcher: fake ?? options.launcher!({ config, artifactBucket, s3, clock }),
    notifier: new SnsNotifier(alerts.topicArn),
    liveMetrics: new CloudWatchLiveMetrics({ namespace: metricsNamespace }),
    now: clock.now,
    scoreChampion,
  };
  const handlers = createTaskHandlers(deps);
  withCanaryTraffic(handlers, { config, s3, lakeBucket, registry, now: clock.now, traffic: options.traffic });
  return { config, deps, handlers, registry, alerts, fake, clock, metricsNamespace };
}

/**
 * A world per test: `create` builds one, and after each test the fake trainer's pending work settles, so a test's
 * stragglers never write into the next test's run.
 */
export function retrainWorldPerTest(): { create(options?: WorldOptions): Promise<RetrainWorld> } {
  let world: RetrainWorld | undefined;
  afterEach(async () => {
    await world?.fake?.settle();
    world = undefined;
  });
  return {
    async create(options) {
      world = await createRetrainWorld(options);
      return world;
    },
  };
}

/** A manual run of the synthesised retrain definition over the world, polling fast (the sim clock moves time). */
export function runRetrain(
  w: RetrainWorld,
  reason: string,
  extra: Partial<RunRetrainLocallyOptions> = {},
): Promise<LocalRetrainResult> {
  return runRetrainLocally({
    config: w.config,
    handlers: w.handlers,
    input: { trigger: 'manual', reason, requestedBy: 'vitest' },
    pollMs: 30,
    retryMs: 5,
    ...extra,
  });
}

/**
 * Wraps the StartCanary handler so that, once each canary is aliased, serving's prediction log for its bake is
 * written (logLiveTraffic): the outcomes JudgeCanary judges. Without it every bake would see no traffic.
 */
export function withCanaryTraffic(
  handlers: TaskHandlers,
  ctx: {
    config: SignalForgeConfig;
    s3: S3Client;
    lakeBucket: string;
    registry: ModelRegistry;
    now: () => Date;
    traffic?: WorldOptions['traffic'];
  },
): TaskHandlers {
  const { config, s3, lakeBucket, registry } = ctx;
  const startCanary = handlers.canary;
  handlers.canary = async (input) => {
    const out = (await startCanary(input)) as { canaries: { key: string; version: number }[] };
    for (const { key, version } of out.canaries) {
      const quality = ctx.traffic?.(key, version) ?? { noise: 0.001 };
      if (quality === 'none') continue;
      const production = (await registry.getHead(key))?.production?.version;
      const mode = config.deployment.mode;
      const streams: Parameters<typeof logLiveTraffic>[0]['streams'] = [
        {
          version,
          variant: mode === 'shadow' && production ? 'shadow' : 'canary',
          noise: quality.noise,
          seed: version,
        },
      ];
      if (production)
        streams.push({ version: production, variant: 'production', noise: 0.01, seed: 1000 + production });
      // Serving's prediction log, not the canary task's: its calls are not checked against the task's role.
      await outsideHandler(() =>
        logLiveTraffic({
          s3,
          lakeBucket,
          config,
          key,
          now: ctx.now,
          streams,
          ...(mode === 'shadow' ? { requestPrefix: `${key}-v${version}` } : {}),
        }),
      );
    }
    return out;
  };
  return handlers;
}
