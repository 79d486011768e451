import type { SignalForgeConfig, Timeframe } from '../core/config/index.js';
import type { FeatureSpec } from '../core/features/index.js';
import { checkpointKey, type ArtifactStore } from '../core/artifacts/index.js';
import type { BackendName } from './backend.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { buildDataset, datasetConfig, DatasetError, type Dataset } from './dataset.js';
import type { TrainingData } from './data-source.js';
import { evaluateAndExport } from './export.js';
import type { DataParallelGroup } from './group.js';
import type { TrainerLog } from './log.js';
import type { RunRecordWriter } from './run-record.js';
import type { StopControl } from './stop-control.js';
import { configHash } from '../core/lineage/index.js';
import type { configSearch } from './search/plan.js';
import { ablationSummary, sentimentAblation } from './sentiment-ablation.js';
import { InterruptedError, trainConfig, type ConfigCheckpoint } from './train-config.js';

export interface TrainingStats {
  steps: number;
  samples: number;
  trainMs: number;
  allreduceMs: number;
  wallMs: number;
}

/** Sentiment features go to configs whose symbol has text events; the others would get columns of zeros. */
export interface FeatureSpecs {
  withText: FeatureSpec;
  withoutText: FeatureSpec;
}

/** Everything a run's stages share: settled settings, the record, the stop control and the counters. */
export interface RunContext {
  cfg: SignalForgeConfig;
  runId: string;
  log: TrainerLog;
  store: ArtifactStore;
  backend: BackendName;
  featureSpecs: FeatureSpecs;
  searchFor: (key: string) => ReturnType<typeof configSearch>;
  budgetSteps: number;
  ensembleSize: number;
  checkpointEvery: number;
  budgetS: number;
  patience: number;
  maxBars: number;
  resume: boolean;
  logEverySteps: number;
  keysTotal: number;
  data: TrainingData;
  writer: RunRecordWriter;
  stop: StopControl;
  stats: TrainingStats;
}

/**
 * Trains, evaluates and exports one config on a group and records the outcome. A config whose data cannot
 * make a dataset, or whose training fails on a live group, is recorded as skipped (one config failing must
 * not sink the other 99); an interruption or a dead worker is thrown, since it ends the group.
 */
export async function trainKey(ctx: RunContext, group: DataParallelGroup, key: string): Promise<void> {
  const { record } = ctx.writer;
  const { log } = ctx;
  const series = ctx.data.series.get(key);
  const [symbol, timeframe] = key.split('#') as [string, Timeframe];
  if (!series) {
    record.skipped.push({ key, reason: 'no bars in the dataset' });
    return;
  }
  const bars = ctx.maxBars ? series.bars.slice(-ctx.maxBars) : series.bars;
  const hp = ctx.cfg.training.hyperparameters;
  const featureSpec = series.sentiment?.length ? ctx.featureSpecs.withText : ctx.featureSpecs.withoutText;
  const ev = ctx.cfg.evaluation;
  const planned = ctx.searchFor(key);
  let dataset: Dataset;
  try {
    dataset = buildDataset(bars, featureSpec, datasetConfig(ctx.cfg, planned.datasetWindow), series.sentiment);
  } catch (err) {
    if (!(err instanceof DatasetError)) throw err;
    record.skipped.push({ key, reason: err.message });
    log.warn('config skipped', { key, reason: err.message });
    return;
  }
  const ckKey = checkpointKey(ctx.runId, key);
  const saved = ctx.resume ? await ctx.store.read(ckKey) : undefined;
  const resumeFrom = saved ? decodeCheckpoint<ConfigCheckpoint>(saved) : undefined;
  if (resumeFrom)
    log.info('resuming config from checkpoint', {
      key,
      step: resumeFrom.step,
      trial: resumeFrom.done.length,
      fold: resumeFrom.partial?.folds.length ?? null,
    });
  let lastLog = 0;
  const trainStarted = performance.now();
  try {
    const {
      best,
      winner,
      trials: results,
      ensemble,
    } = await trainConfig({
      key,
      dataset,
      group,
      plan: planned.plan,
      budgetMs: ctx.budgetS * 1000,
      budgetSteps: ctx.budgetSteps,
      ensembleSize: ctx.ensembleSize,
      patience: ctx.patience,
      checkpointEvery: ctx.checkpointEvery,
      clipNorm: 1,
      ...(resumeFrom ? { resumeFrom } : {}),
      saveCheckpoint: async (cp) => {
        await ctx.store.write(ckKey, encodeCheckpoint(cp));
        log.info('checkpoint', { key, step: cp.step, trial: cp.done.length });
      },
      stopRequested: () => ctx.stop.reason(),
      onStep: (s) => {
        ctx.stats.steps++;
        ctx.stats.samples += s.samples;
        ctx.stats.allreduceMs += s.allreduceMs;
        record.progress![key] = { trial: s.trial, fold: s.fold, epoch: s.epoch, step: s.step };
        const every = ctx.logEverySteps;
        if ((every > 0 && s.step % every === 0) || (every === 0 && performance.now() - lastLog > 5000)) {
          lastLog = performance.now();
          log.info('step', { key, trial: s.trial, fold: s.fold, epoch: s.epoch, step: s.step, loss: s.loss });
        }
        log.progress(record.results.length, ctx.keysTotal, { key, step: s.step, loss: s.loss });
      },
    });
    const ablation = series.sentiment?.length
      ? await sentimentAblation(ctx, group, {
          key,
          bars,
          dataset,
          datasetWindow: planned.datasetWindow,
          trials: results,
        })
      : undefined;
    ctx.stats.trainMs += performance.now() - trainStarted;
    const exported = await evaluateAndExport({
      store: ctx.store,
      group,
      key,
      symbol,
      timeframe,
      runId: ctx.runId,
      dataset,
      featureSpec,
      best,
      winner,
      trials: results,
      ...(ensemble ? { ensemble } : {}),
      ...(ablation ? { sentimentAblation: ablation } : {}),
      manifestId: ctx.data.manifestId,
      evaluation: {
        costBps: ev.costBps,
        purgeGapBars: hp.purgeGapBars,
        embargoBars: ev.embargoBars,
        innerValidationFraction: ev.innerValidationFraction,
        rescoreHistoryBars: ev.rescoreHistoryBars,
      },
      bars,
      ...(series.sentiment ? { sentiment: series.sentiment } : {}),
      backend: ctx.backend,
      configHash: configHash(ctx.cfg),
    });
    record.results.push({
      key,
      artifactUri: exported.artifactUri,
      metadataUri: exported.metadataUri,
      sha256: exported.sha256,
      metrics: exported.metrics,
      replicas: group.size,
      ...(ablation ? { sentimentAblation: ablationSummary(ablation) } : {}),
    });
    record.configsDone = record.results.length;
    delete record.progress![key];
    await ctx.writer.save();
    await ctx.store.remove(ckKey);
    const wf = exported.metadata.evaluation;
    log.info('config done', {
      key,
      model: ensemble ? `ensemble of ${ensemble.members.length}` : best.hyperparameters.model,
      trials: results.length,
      oos: exported.metrics.model,
      naive: exported.metrics.naive,
      dmPValue: wf.dieboldMariano.pValue,
      deflatedSharpe: wf.deflatedSharpe.probability,
      ...(ablation
        ? {
            withoutSentimentMse: ablation.withoutSentimentMse,
            sentimentDmPValue: ablation.dieboldMariano.pValue,
          }
        : {}),
    });
  } catch (err) {
    if (err instanceof InterruptedError || !group.alive()) throw err;
    record.skipped.push({ key, reason: `training failed: ${(err as Error).message}` });
    delete record.progress![key];
    log.error('config failed', { key, error: (err as Error).stack ?? String(err) });
    return;
  }
  log.progress(record.results.length, ctx.keysTotal, { key });
}
