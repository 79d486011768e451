import { randomBytes } from 'node:crypto';
import { loadConfig, modelConfigKeys, type SearchSettings, type SignalForgeConfig } from '../core/config/index.js';
import { makeFeatureSpec, type FeatureSpec } from '../core/features/index.js';
import { openStore, type ArtifactStore, type Hyperparameters, type RunRecord } from '../core/artifacts/index.js';
import type { BackendName } from './backend.js';
import { loadTrainingData, type TrainingData } from './data-source.js';
import { codeVersion, configHash } from '../core/lineage/index.js';
import { replicasForConfig, type DataParallelSetting } from './dp-plan.js';
import { createLog, type TrainerLog } from './log.js';
import { finishRunRecord, openRunRecord, pendingKeys, startHeartbeat } from './run-record.js';
import { watchForStop } from './stop-control.js';
import { InterruptedError } from './train-config.js';
import { trainKey, type FeatureSpecs, type RunContext, type TrainingStats } from './train-key.js';
import { WorkerPool } from './worker-pool.js';
import { configSearch } from './search/plan.js';

export type { TrainingStats } from './train-key.js';

export interface TrainingOptions {
  /** `synthetic:<bars>[:<seed>]`, a dataset manifest path/URI, or a bars file; or data already loaded. */
  data: string | TrainingData;
  /** Local dir or s3://bucket/prefix for models, run record and checkpoints. */
  out: string;
  /** Config keys (`AAPL#1h`) or 'all' for every key in the config universe. */
  configs?: 'all' | string[];
  /** Worker processes in total. */
  workers?: number;
  /**
   * Replicas per config: a number for every config, or `auto` (large configs on all workers, the rest on one
   * each; gpu-trainer/dp-plan.ts). Default: the config's training.dataParallel.
   */
  dataParallel?: DataParallelSetting;
  backend?: BackendName;
  epochs?: number;
  checkpointEvery?: number;
  resume?: boolean;
  seed?: number;
  runId?: string;
  /** Sampled configurations per config (default: training.search.trials, or one per kind when `models` is given). */
  trials?: number;
  models?: Hyperparameters['model'][];
  /** Overrides of training.search (the sampling seed, successive halving, the step budget, the ensemble size). */
  search?: Partial<Pick<SearchSettings, 'seed' | 'reductionFactor' | 'minEpochs' | 'budgetSteps' | 'ensembleSize'>>;
  /** Time budget per config for the search, seconds; 0 = no limit (exactly reproducible). */
  budgetS?: number;
  patience?: number;
  batchSize?: number;
  windowSize?: number;
  hiddenUnits?: number;
  layers?: number;
  dropout?: number;
  learningRate?: number;
  /** Use at most the last N bars of each series (0 = all). */
  maxBars?: number;
  /** One feature spec for every config, sentiment or not (overrides sentimentWindowBars). */
  featureSpec?: FeatureSpec;
  /**
   * Trailing sentiment aggregates over this many bars for configs whose symbol has text events (0 = none).
   * Default: the config's training.sentimentWindowBars.
   */
  sentimentWindowBars?: number;
  /** With one worker and dp size 1, train in this process instead of forking (sandbox, small runs). */
  inProcess?: boolean;
  spotWatch?: { endpoint: string; intervalMs: number };
  heartbeatMs?: number;
  logEverySteps?: number;
  /** Stop (checkpoint, then return status 'interrupted') when this aborts. */
  signal?: AbortSignal;
  /** Install SIGTERM/SIGINT handlers that request a checkpointed stop (the CLI does). */
  handleSignals?: boolean;
  log?: TrainerLog;
  config?: SignalForgeConfig;
}

export interface TrainingOutcome {
  record: RunRecord;
  runRecordUri: string;
  stats: TrainingStats;
  /** Configs that trained on a group of more than one worker. */
  dataParallelConfigs: string[];
}

/**
 * Small, fast settings for the local sandbox and smoke runs: a small universe trains end to end in a
 * few minutes on 2 cores (GRU + dense baseline, short windows, 2 epochs).
 */
export const FAST_PRESET = {
  epochs: 2,
  windowSize: 16,
  hiddenUnits: 16,
  layers: 1,
  batchSize: 128,
  models: ['gru', 'dense'],
  patience: 1,
} satisfies Partial<TrainingOptions>;

export function newRunId(): string {
  return `run-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
}

/** The run's settled settings, from the options over the config's defaults; no I/O. */
export interface RunPlan {
  cfg: SignalForgeConfig;
  runId: string;
  keys: string[];
  workers: number;
  dataParallel: DataParallelSetting;
  dataParallelMinFlops: number;
  backend: BackendName;
  /** The features of a config whose symbol has text events, and of one without. */
  featureSpecs: FeatureSpecs;
  search: SearchSettings;
  /** The config's seeded search: its sampled trials, the dataset window they share and the halving plan. */
  searchFor: (key: string) => ReturnType<typeof configSearch>;
  checkpointEvery: number;
}

export function planRun(options: TrainingOptions): RunPlan {
  const cfg = options.config ?? loadConfig();
  const hp = cfg.training.hyperparameters;
  const workers = Math.max(1, options.workers ?? 1);
  const allKeys = modelConfigKeys(cfg).map((k) => k.key);
  const epochs = options.epochs ?? hp.epochs;
  const seed = options.seed ?? 1;
  const models = options.models ?? hp.models;
  const search = {
    ...cfg.training.search,
    ...options.search,
    trials: options.trials ?? (options.models ? models.length : cfg.training.search.trials),
  };
  const pinned = {
    windowSize: options.windowSize,
    hiddenUnits: options.hiddenUnits,
    layers: options.layers,
    dropout: options.dropout,
    learningRate: options.learningRate,
    batchSize: options.batchSize,
  };
  return {
    cfg,
    runId: options.runId ?? newRunId(),
    keys: !options.configs || options.configs === 'all' ? allKeys : options.configs,
    workers,
    dataParallel: options.dataParallel ?? cfg.training.dataParallel,
    dataParallelMinFlops: cfg.training.dataParallelMinFlopsPerSample,
    backend: options.backend ?? 'wasm',
    featureSpecs: options.featureSpec
      ? { withText: options.featureSpec, withoutText: options.featureSpec }
      : {
          withText: makeFeatureSpec({
            sentimentWindowBars: options.sentimentWindowBars ?? cfg.training.sentimentWindowBars,
          }),
          withoutText: makeFeatureSpec(),
        },
    search,
    searchFor: (key) => configSearch({ search, models, key, epochs, seed, pinned }),
    checkpointEvery: options.checkpointEvery ?? hp.checkpointEverySteps,
  };
}

/** Replicas per pending config, from its trials' sizes and the data-parallel setting. */
export function replicasPerConfig(plan: RunPlan, keys: readonly string[]): Map<string, number> {
  // The wider of the two specs: a config's size class must not depend on whether its symbol had news.
  const features = plan.featureSpecs.withText.names.length;
  // Each config samples its own trials, so its largest decides its group size.
  return new Map(
    keys.map((k) => [
      k,
      replicasForConfig(
        plan.searchFor(k).sampled,
        features,
        plan.dataParallel,
        plan.dataParallelMinFlops,
        plan.workers,
      ),
    ]),
  );
}

/**
 * Hands the pool's workers out to the pending configs in order, each as a group of its size, until the
 * queue is empty, a stop is requested or a config failed for a reason that is not its own (a dead worker);
 * returns that failure.
 */
export async function scheduleConfigs(
  ctx: RunContext,
  pool: WorkerPool,
  queue: readonly string[],
  replicas: ReadonlyMap<string, number>,
): Promise<Error | undefined> {
  let failure: Error | undefined;
  const running = new Set<Promise<void>>();
  for (const key of queue) {
    if (ctx.stop.reason() || failure) break;
    const group = await pool.acquire(replicas.get(key) ?? 1);
    if (ctx.stop.reason() || failure) {
      pool.release(group);
      break;
    }
    const job: Promise<void> = trainKey(ctx, group, key)
      .catch((err: unknown) => {
        if (!(err instanceof InterruptedError)) failure ??= err as Error;
      })
      .finally(() => {
        pool.release(group);
        running.delete(job);
      });
    running.add(job);
  }
  await Promise.all(running);
  return failure;
}

/**
 * Trains the selected configs and writes model.onnx + metadata.json per config and a run record with
 * heartbeats. Callable in-process (sandbox, local launcher) or through gpu-trainer/cli.ts.
 */
export async function runTraining(options: TrainingOptions): Promise<TrainingOutcome> {
  const started = performance.now();
  const plan = planRun(options);
  const { runId } = plan;
  const log = options.log ?? createLog({ runId });
  const store: ArtifactStore = openStore(options.out);
  const writer = await openRunRecord(store, runId, plan.keys.length, Boolean(options.resume), {
    codeVersion: codeVersion(),
    configHash: configHash(plan.cfg),
  });
  const stop = watchForStop(options, log);
  const stopHeartbeat = startHeartbeat(writer, options.heartbeatMs ?? 30_000, log);
  const stats: TrainingStats = { steps: 0, samples: 0, trainMs: 0, allreduceMs: 0, wallMs: 0 };
  let pool: WorkerPool | undefined;
  let failure: Error | undefined;
  try {
    const data = typeof options.data === 'string' ? await loadTrainingData(options.data, plan.keys) : options.data;
    const queue = pendingKeys(writer.record, plan.keys);
    const replicas = replicasPerConfig(plan, queue);
    const dpConfigs = queue.filter((k) => replicas.get(k)! > 1).length;
    log.info('run started', {
      runId,
      attempt: writer.record.attempt,
      configs: plan.keys.length,
      pending: queue.length,
      workers: plan.workers,
      dataParallel: plan.dataParallel,
      dpConfigs,
      backend: plan.backend,
      trials: plan.search.trials,
      reductionFactor: plan.search.reductionFactor,
      ensembleSize: plan.search.ensembleSize,
    });
    writer.record.status = 'running';
    await writer.save();
    pool = await WorkerPool.start({
      workers: plan.workers,
      backend: plan.backend,
      inProcess: Boolean(options.inProcess),
    });
    log.info('workers started', { workers: pool.size, pids: pool.pids });
    const ctx: RunContext = {
      cfg: plan.cfg,
      runId,
      log,
      store,
      backend: plan.backend,
      featureSpecs: plan.featureSpecs,
      searchFor: plan.searchFor,
      budgetSteps: plan.search.budgetSteps,
      ensembleSize: plan.search.ensembleSize,
      checkpointEvery: plan.checkpointEvery,
      budgetS: options.budgetS ?? 0,
      patience: options.patience ?? 3,
      maxBars: options.maxBars ?? 0,
      resume: Boolean(options.resume),
      logEverySteps: options.logEverySteps ?? 0,
      keysTotal: plan.keys.length,
      data,
      writer,
      stop,
      stats,
    };
    failure = await scheduleConfigs(ctx, pool, queue, replicas);
  } catch (err) {
    failure = err as Error;
  } finally {
    stopHeartbeat();
    stop.dispose();
    await pool?.close();
  }
  stats.wallMs = performance.now() - started;
  await finishRunRecord(writer, failure, stop.reason());
  const { record } = writer;
  log.info('run finished', {
    status: record.status,
    configsDone: record.configsDone,
    skipped: record.skipped.length,
    wallS: stats.wallMs / 1000,
    ...(failure ? { error: failure.message } : {}),
  });
  log.close();
  return {
    record,
    runRecordUri: writer.uri,
    stats,
    dataParallelConfigs: record.results.filter((r) => (r.replicas ?? 1) > 1).map((r) => r.key),
  };
}
