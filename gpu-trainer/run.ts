import { randomBytes } from 'node:crypto';
import { loadConfig, modelConfigKeys, type SignalForgeConfig } from '../core/config/index.js';
import { makeFeatureSpec, type FeatureSpec } from '../core/features/index.js';
import { openStore, type ArtifactStore, type Hyperparameters, type RunRecord } from '../core/artifacts/index.js';
import type { BackendName } from './backend.js';
import { loadTrainingData, type TrainingData } from './data-source.js';
import { DataParallelGroup } from './group.js';
import { createLog, type TrainerLog } from './log.js';
import { finishRunRecord, openRunRecord, pendingKeys, startHeartbeat } from './run-record.js';
import { watchForStop } from './stop-control.js';
import { InterruptedError } from './train-config.js';
import { trainKey, type RunContext, type TrainingStats } from './train-key.js';

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
  /** Replicas per config: workers / dpSize configs train at once. */
  dpSize?: number;
  backend?: BackendName;
  epochs?: number;
  checkpointEvery?: number;
  resume?: boolean;
  seed?: number;
  runId?: string;
  /** Trials of the hyperparameter search per config (default: one per model kind in config). */
  trials?: number;
  models?: Hyperparameters['model'][];
  /** Time budget per config for the search, seconds; 0 = no limit (exactly reproducible). */
  budgetS?: number;
  patience?: number;
  batchSize?: number;
  windowSize?: number;
  hiddenUnits?: number;
  learningRate?: number;
  /** Use at most the last N bars of each series (0 = all). */
  maxBars?: number;
  featureSpec?: FeatureSpec;
  /** Adds trailing sentiment aggregates over this many bars to the default feature spec (0 = none). */
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
}

/**
 * Small, fast settings for the local sandbox and smoke runs: a small universe trains end to end in a
 * few minutes on 2 cores (GRU + dense baseline, short windows, 2 epochs).
 */
export const FAST_PRESET = { epochs: 2, windowSize: 16, hiddenUnits: 16, batchSize: 128, models: ['gru', 'dense'], patience: 1 } satisfies Partial<TrainingOptions>;

export function newRunId(): string {
  return `run-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
}

/** The search's trial list: one per model kind first, then learning-rate and width variants. */
export function trialList(base: Omit<Hyperparameters, 'model'>, models: Hyperparameters['model'][], count: number): Hyperparameters[] {
  const first = models.map((model) => ({ ...base, model }));
  const variants = models.flatMap((model) => [
    { ...base, model, learningRate: base.learningRate * 3 },
    { ...base, model, hiddenUnits: base.hiddenUnits * 2 },
    { ...base, model, learningRate: base.learningRate / 3 },
  ]);
  return [...first, ...variants].slice(0, Math.max(1, count));
}

/** The run's settled settings, from the options over the config's defaults; no I/O. */
export interface RunPlan {
  cfg: SignalForgeConfig;
  runId: string;
  keys: string[];
  workers: number;
  dpSize: number;
  groupsCount: number;
  backend: BackendName;
  featureSpec: FeatureSpec;
  baseHp: Omit<Hyperparameters, 'model'>;
  trials: Hyperparameters[];
  checkpointEvery: number;
}

export function planRun(options: TrainingOptions): RunPlan {
  const cfg = options.config ?? loadConfig();
  const hp = cfg.training.hyperparameters;
  const workers = Math.max(1, options.workers ?? 1);
  const dpSize = Math.max(1, Math.min(options.dpSize ?? 1, workers));
  const allKeys = modelConfigKeys(cfg).map((k) => k.key);
  const baseHp = {
    windowSize: options.windowSize ?? hp.windowSize,
    hiddenUnits: options.hiddenUnits ?? hp.hiddenUnits,
    learningRate: options.learningRate ?? hp.learningRate,
    batchSize: options.batchSize ?? hp.batchSize,
    epochs: options.epochs ?? hp.epochs,
    seed: options.seed ?? 1,
  };
  const models = options.models ?? hp.models;
  return {
    cfg,
    runId: options.runId ?? newRunId(),
    keys: !options.configs || options.configs === 'all' ? allKeys : options.configs,
    workers,
    dpSize,
    groupsCount: Math.max(1, Math.floor(workers / dpSize)),
    backend: options.backend ?? 'wasm',
    featureSpec: options.featureSpec ?? makeFeatureSpec({ sentimentWindowBars: options.sentimentWindowBars ?? 0 }),
    baseHp,
    trials: trialList(baseHp, models, options.trials ?? models.length),
    checkpointEvery: options.checkpointEvery ?? hp.checkpointEverySteps,
  };
}

/** Starts the worker groups: as many as the workers allow and the pending configs need. */
export async function startGroups(plan: RunPlan, pending: number, inProcess: boolean): Promise<DataParallelGroup[]> {
  const { dpSize, groupsCount, backend } = plan;
  const groups: DataParallelGroup[] = [];
  for (let g = 0; g < Math.min(groupsCount, Math.max(1, pending)); g++) {
    groups.push(
      await DataParallelGroup.start({
        size: dpSize,
        backend,
        inProcess: inProcess && dpSize === 1 && groupsCount === 1,
        ...(backend === 'tensorflow' ? { deviceIds: Array.from({ length: dpSize }, (_, r) => String(g * dpSize + r)) } : {}),
      }),
    );
  }
  return groups;
}

/**
 * Each group takes the next pending config until the queue is empty or a stop is requested; returns the
 * first failure that is not an interruption (a dead worker ends its group only).
 */
export async function scheduleConfigs(ctx: RunContext, groups: DataParallelGroup[], queue: string[]): Promise<Error | undefined> {
  const runGroup = async (group: DataParallelGroup) => {
    for (let key = queue.shift(); key && !ctx.stop.reason(); key = queue.shift()) await trainKey(ctx, group, key);
  };
  const outcomes = await Promise.allSettled(groups.map((g) => runGroup(g)));
  const failed = outcomes.find((o) => o.status === 'rejected' && !(o.reason instanceof InterruptedError));
  return failed?.status === 'rejected' ? (failed.reason as Error) : undefined;
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
  const writer = await openRunRecord(store, runId, plan.keys.length, Boolean(options.resume));
  const stop = watchForStop(options, log);
  const stopHeartbeat = startHeartbeat(writer, options.heartbeatMs ?? 30_000, log);
  const stats: TrainingStats = { steps: 0, samples: 0, trainMs: 0, allreduceMs: 0, wallMs: 0 };
  const groups: DataParallelGroup[] = [];
  let failure: Error | undefined;
  try {
    const data = typeof options.data === 'string' ? await loadTrainingData(options.data, plan.keys) : options.data;
    const queue = pendingKeys(writer.record, plan.keys);
    log.info('run started', { runId, attempt: writer.record.attempt, configs: plan.keys.length, pending: queue.length, workers: plan.workers, dpSize: plan.dpSize, groups: plan.groupsCount, backend: plan.backend, trials: plan.trials.length });
    writer.record.status = 'running';
    await writer.save();
    groups.push(...(await startGroups(plan, queue.length, Boolean(options.inProcess))));
    log.info('workers started', { groups: groups.length, dpSize: plan.dpSize, pids: groups.flatMap((g) => g.pids) });
    const ctx: RunContext = {
      cfg: plan.cfg,
      runId,
      log,
      store,
      backend: plan.backend,
      featureSpec: plan.featureSpec,
      windowSize: plan.baseHp.windowSize,
      trials: plan.trials,
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
    failure = await scheduleConfigs(ctx, groups, queue);
  } catch (err) {
    failure = err as Error;
  } finally {
    stopHeartbeat();
    stop.dispose();
    await Promise.allSettled(groups.map((g) => g.close()));
  }
  stats.wallMs = performance.now() - started;
  await finishRunRecord(writer, failure, stop.reason());
  const { record } = writer;
  log.info('run finished', { status: record.status, configsDone: record.configsDone, skipped: record.skipped.length, wallS: stats.wallMs / 1000, ...(failure ? { error: failure.message } : {}) });
  log.close();
  return { record, runRecordUri: writer.uri, stats };
}
