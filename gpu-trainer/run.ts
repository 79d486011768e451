import { randomBytes } from 'node:crypto';
import { loadConfig, modelConfigKeys, type SearchSettings, type SignalForgeConfig, type Timeframe } from '../core/config/index.js';
import { makeFeatureSpec, type FeatureSpec } from '../core/features/index.js';
import { codeVersion, configHash } from '../core/lineage/index.js';
import {
  checkpointKey,
  openStore,
  readJson,
  runRecordKey,
  runRecordSchema,
  writeJson,
  checkpointPrefix,
  type ArtifactStore,
  type Hyperparameters,
  type RunRecord,
} from '../core/artifacts/index.js';
import type { BackendName } from './backend.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { buildDataset, datasetConfig, DatasetError } from './dataset.js';
import { loadTrainingData, type TrainingData } from './data-source.js';
import { evaluateAndExport } from './export.js';
import { DataParallelGroup } from './group.js';
import { createLog, type TrainerLog } from './log.js';
import { startSpotWatch } from './spot-watch.js';
import { InterruptedError, trainConfig, type ConfigCheckpoint } from './train-config.js';
import { configSearch } from './search/plan.js';

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

export interface TrainingStats {
  steps: number;
  samples: number;
  trainMs: number;
  allreduceMs: number;
  wallMs: number;
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

/**
 * Trains the selected configs and writes model.onnx + metadata.json per config and a run record with
 * heartbeats. Callable in-process (sandbox, local launcher) or through gpu-trainer/cli.ts.
 */
export async function runTraining(options: TrainingOptions): Promise<TrainingOutcome> {
  const started = performance.now();
  const cfg = options.config ?? loadConfig();
  const hp = cfg.training.hyperparameters;
  const ev = cfg.evaluation;
  const runId = options.runId ?? newRunId();
  const log = options.log ?? createLog({ runId });
  const store: ArtifactStore = openStore(options.out);
  const workers = Math.max(1, options.workers ?? 1);
  const dpSize = Math.max(1, Math.min(options.dpSize ?? 1, workers));
  const groupsCount = Math.max(1, Math.floor(workers / dpSize));
  const backend = options.backend ?? 'wasm';
  const seed = options.seed ?? 1;
  const featureSpec = options.featureSpec ?? makeFeatureSpec({ sentimentWindowBars: options.sentimentWindowBars ?? 0 });
  const allKeys = modelConfigKeys(cfg).map((k) => k.key);
  const keys = !options.configs || options.configs === 'all' ? allKeys : options.configs;
  const epochs = options.epochs ?? hp.epochs;
  const models = options.models ?? hp.models;
  const search = { ...cfg.training.search, ...options.search, trials: options.trials ?? (options.models ? models.length : cfg.training.search.trials) };
  const pinned = { windowSize: options.windowSize, hiddenUnits: options.hiddenUnits, learningRate: options.learningRate, batchSize: options.batchSize };
  const checkpointEvery = options.checkpointEvery ?? hp.checkpointEverySteps;

  const previous = options.resume ? await readJson(store, runRecordKey(runId), (v) => runRecordSchema.parse(v)) : undefined;
  const now = () => new Date().toISOString();
  const record: RunRecord = {
    runId,
    status: 'starting',
    heartbeatAt: now(),
    attempt: (previous?.attempt ?? 0) + 1,
    configsTotal: keys.length,
    configsDone: previous?.results.length ?? 0,
    checkpointUri: store.uri(checkpointPrefix(runId)),
    startedAt: previous?.startedAt ?? now(),
    results: previous?.results ?? [],
    skipped: previous?.skipped ?? [],
    progress: {},
    codeVersion: codeVersion(),
    configHash: configHash(cfg),
  };
  let recordWrites = Promise.resolve('');
  const saveRecord = () => {
    record.heartbeatAt = now();
    const snapshot = runRecordSchema.parse(structuredClone(record));
    recordWrites = recordWrites.then(() => writeJson(store, runRecordKey(runId), snapshot));
    return recordWrites;
  };
  await saveRecord();

  let stopReason: string | undefined;
  const requestStop = (reason: string) => {
    if (stopReason) return;
    stopReason = reason;
    log.warn('stop requested; checkpointing', { reason });
  };
  const onSignal = (sig: NodeJS.Signals) => requestStop(sig);
  if (options.handleSignals) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  options.signal?.addEventListener('abort', () => requestStop('aborted'), { once: true });
  const spot = options.spotWatch
    ? startSpotWatch({
        endpoint: options.spotWatch.endpoint,
        intervalMs: options.spotWatch.intervalMs,
        onNotice: (n) => requestStop(`spot interruption notice: ${n.action} at ${n.time}`),
        onError: (err) => log.warn('IMDS poll failed', { error: err.message }),
      })
    : undefined;
  const heartbeat = setInterval(() => void saveRecord().catch((err) => log.warn('heartbeat write failed', { error: String(err) })), options.heartbeatMs ?? 30_000);
  heartbeat.unref();

  const stats: TrainingStats = { steps: 0, samples: 0, trainMs: 0, allreduceMs: 0, wallMs: 0 };
  const groups: DataParallelGroup[] = [];
  let failure: Error | undefined;
  try {
    const data = typeof options.data === 'string' ? await loadTrainingData(options.data, keys) : options.data;
    const doneKeys = new Set(record.results.map((r) => r.key));
    const skippedKeys = new Set(record.skipped.map((s) => s.key));
    const queue = keys.filter((k) => !doneKeys.has(k) && !skippedKeys.has(k));
    log.info('run started', { runId, attempt: record.attempt, configs: keys.length, pending: queue.length, workers, dpSize, groups: groupsCount, backend, trials: search.trials, reductionFactor: search.reductionFactor, ensembleSize: search.ensembleSize });
    record.status = 'running';
    await saveRecord();

    for (let g = 0; g < Math.min(groupsCount, Math.max(1, queue.length)); g++) {
      groups.push(
        await DataParallelGroup.start({
          size: dpSize,
          backend,
          inProcess: Boolean(options.inProcess) && dpSize === 1 && groupsCount === 1,
          ...(backend === 'tensorflow' ? { deviceIds: Array.from({ length: dpSize }, (_, r) => String(g * dpSize + r)) } : {}),
        }),
      );
    }

    log.info('workers started', { groups: groups.length, dpSize, pids: groups.flatMap((g) => g.pids) });

    const runGroup = async (group: DataParallelGroup) => {
      for (let key = queue.shift(); key && !stopReason && !failure; key = queue.shift()) {
        const series = data.series.get(key);
        const [symbol, timeframe] = key.split('#') as [string, Timeframe];
        if (!series) {
          record.skipped.push({ key, reason: 'no bars in the dataset' });
          continue;
        }
        const bars = options.maxBars ? series.bars.slice(-options.maxBars) : series.bars;
        const planned = configSearch({ search, models, key, epochs, seed, pinned });
        let dataset;
        try {
          dataset = buildDataset(bars, featureSpec, datasetConfig(cfg, planned.datasetWindow), series.sentiment);
        } catch (err) {
          if (!(err instanceof DatasetError)) throw err;
          record.skipped.push({ key, reason: err.message });
          log.warn('config skipped', { key, reason: err.message });
          continue;
        }
        const ckKey = checkpointKey(runId, key);
        const saved = options.resume ? await store.read(ckKey) : undefined;
        const resumeFrom = saved ? decodeCheckpoint<ConfigCheckpoint>(saved) : undefined;
        if (resumeFrom) log.info('resuming config from checkpoint', { key, step: resumeFrom.step, trial: resumeFrom.done.length, fold: resumeFrom.partial?.folds.length ?? null });
        let lastLog = 0;
        const trainStarted = performance.now();
        try {
          const { best, winner, trials: results, ensemble } = await trainConfig({
            key,
            dataset,
            group,
            plan: planned.plan,
            budgetMs: (options.budgetS ?? 0) * 1000,
            budgetSteps: search.budgetSteps,
            ensembleSize: search.ensembleSize,
            patience: options.patience ?? 3,
            checkpointEvery,
            clipNorm: 1,
            ...(resumeFrom ? { resumeFrom } : {}),
            saveCheckpoint: async (cp) => {
              await store.write(ckKey, encodeCheckpoint(cp));
              log.info('checkpoint', { key, step: cp.step, trial: cp.done.length });
            },
            stopRequested: () => stopReason,
            onStep: (s) => {
              stats.steps++;
              stats.samples += s.samples;
              stats.allreduceMs += s.allreduceMs;
              record.progress![key] = { trial: s.trial, fold: s.fold, epoch: s.epoch, step: s.step };
              const every = options.logEverySteps ?? 0;
              if ((every > 0 && s.step % every === 0) || (every === 0 && performance.now() - lastLog > 5000)) {
                lastLog = performance.now();
                log.info('step', { key, trial: s.trial, fold: s.fold, epoch: s.epoch, step: s.step, loss: s.loss });
              }
              log.progress(record.results.length, keys.length, { key, step: s.step, loss: s.loss });
            },
          });
          stats.trainMs += performance.now() - trainStarted;
          const exported = await evaluateAndExport({
            store,
            group,
            key,
            symbol,
            timeframe,
            runId,
            dataset,
            featureSpec,
            best,
            winner,
            trials: results,
            ...(ensemble ? { ensemble } : {}),
            manifestId: data.manifestId,
            evaluation: { costBps: ev.costBps, purgeGapBars: hp.purgeGapBars, embargoBars: ev.embargoBars, innerValidationFraction: ev.innerValidationFraction, rescoreHistoryBars: ev.rescoreHistoryBars },
            bars,
            ...(series.sentiment ? { sentiment: series.sentiment } : {}),
            backend,
            configHash: configHash(cfg),
          });
          record.results.push({ key, artifactUri: exported.artifactUri, metadataUri: exported.metadataUri, sha256: exported.sha256, metrics: exported.metrics });
          record.configsDone = record.results.length;
          delete record.progress![key];
          await saveRecord();
          await store.remove(ckKey);
          const wf = exported.metadata.evaluation;
          log.info('config done', { key, model: ensemble ? `ensemble of ${ensemble.members.length}` : best.hyperparameters.model, trials: results.length, oos: exported.metrics.model, naive: exported.metrics.naive, dmPValue: wf.dieboldMariano.pValue, deflatedSharpe: wf.deflatedSharpe.probability });
        } catch (err) {
          // One config failing (diverged, degenerate data) must not sink the other 99; a dead worker or an
          // interruption ends the group.
          if (err instanceof InterruptedError || !group.alive()) throw err;
          record.skipped.push({ key, reason: `training failed: ${(err as Error).message}` });
          delete record.progress![key];
          log.error('config failed', { key, error: (err as Error).stack ?? String(err) });
          continue;
        }
        log.progress(record.results.length, keys.length, { key });
      }
    };
    const outcomes = await Promise.allSettled(groups.map((g) => runGroup(g)));
    for (const o of outcomes) {
      if (o.status === 'rejected' && !(o.reason instanceof InterruptedError)) failure ??= o.reason as Error;
    }
  } catch (err) {
    failure = err as Error;
  } finally {
    clearInterval(heartbeat);
    spot?.stop();
    if (options.handleSignals) {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    await Promise.allSettled(groups.map((g) => g.close()));
  }
  stats.wallMs = performance.now() - started;
  record.status = failure ? 'failed' : stopReason ? 'interrupted' : 'succeeded';
  if (failure) record.error = failure.stack ?? failure.message;
  if (record.status !== 'interrupted') record.finishedAt = now();
  await saveRecord();
  log.info('run finished', { status: record.status, configsDone: record.configsDone, skipped: record.skipped.length, wallS: stats.wallMs / 1000, ...(failure ? { error: failure.message } : {}) });
  log.close();
  return { record, runRecordUri: store.uri(runRecordKey(runId)), stats };
}
