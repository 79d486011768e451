import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, modelConfigKeys } from '../core/config/index.js';
import type { BackendName } from './backend.js';
import { assertGpuCount, listNvidiaGpus } from './gpu-check.js';
import { createLog } from './log.js';
import { runTraining } from './run.js';

export interface SmokeOptions {
  backend: BackendName;
  /** Workers; on tensorflow one per GPU that nvidia-smi lists when omitted. */
  workers?: number;
  /** Injected for tests; `nvidia-smi -L` otherwise. */
  listGpus?: () => string[] | undefined;
}

/** The one JSON line `npm run train -- --smoke` prints. */
export interface SmokeResult {
  ok: boolean;
  backend: BackendName;
  /** GPUs nvidia-smi lists (0 on the CPU backends). */
  gpus: number;
  gpuNames: string[];
  workers: number;
  /** Optimizer steps over all workers, and one worker's rate (steps over the summed training time). */
  steps: number;
  stepsPerSecondPerWorker: number;
  wallS: number;
  error?: string;
}

/** Synthetic bars per config: a few optimizer steps per epoch of the default LSTM (batch 256, window 32). */
const SMOKE_BARS = 1200;
const SMOKE_EPOCHS = 2;

/**
 * A ~30-second check of a trainer host: loads the backend, asserts the GPUs (tensorflow: one per
 * worker, each replica placed on its GPU), then trains the default LSTM for a few steps on every
 * worker (one synthetic config each, dp size 1) through the real coordinator and workers, exports
 * included, in a temp dir.
 */
export async function runSmoke(options: SmokeOptions): Promise<SmokeResult> {
  const started = performance.now();
  let gpuNames: string[] = [];
  let workers = options.workers ?? 1;
  const result = (fields: Partial<SmokeResult>): SmokeResult => ({
    ok: false,
    backend: options.backend,
    gpus: gpuNames.length,
    gpuNames,
    workers,
    steps: 0,
    stepsPerSecondPerWorker: 0,
    wallS: Math.round((performance.now() - started) / 10) / 100,
    ...fields,
  });
  const out = mkdtempSync(join(tmpdir(), 'signalforge-smoke-'));
  try {
    if (options.backend === 'tensorflow') {
      const listed = (options.listGpus ?? listNvidiaGpus)();
      assertGpuCount(listed, Math.max(1, options.workers ?? 1));
      gpuNames = listed!;
      workers = options.workers ?? gpuNames.length;
    }
    const config = loadConfig({ env: { SIGNALFORGE_ENV: process.env.SIGNALFORGE_ENV ?? '' } });
    const outcome = await runTraining({
      data: `synthetic:${SMOKE_BARS}`,
      out,
      configs: modelConfigKeys(config)
        .slice(0, workers)
        .map((c) => c.key),
      workers,
      dataParallel: 1,
      backend: options.backend,
      // The reference model (training.hyperparameters), not a sampled trial: the smoke's figure stays comparable.
      models: ['lstm'],
      trials: 1,
      windowSize: config.training.hyperparameters.windowSize,
      hiddenUnits: config.training.hyperparameters.hiddenUnits,
      layers: 1,
      dropout: 0,
      batchSize: config.training.hyperparameters.batchSize,
      learningRate: config.training.hyperparameters.learningRate,
      epochs: SMOKE_EPOCHS,
      patience: SMOKE_EPOCHS,
      runId: `smoke-${Date.now()}`,
      config,
      log: createLog({ runId: 'smoke', quiet: true, write: () => undefined }),
    });
    const { stats, record } = outcome;
    const stepsPerSecondPerWorker =
      stats.trainMs > 0 ? Math.round((stats.steps / (stats.trainMs / 1000)) * 100) / 100 : 0;
    const ok = record.status === 'succeeded' && record.results.length === workers && stats.steps > 0;
    return result({
      ok,
      steps: stats.steps,
      stepsPerSecondPerWorker,
      ...(ok
        ? {}
        : { error: record.error ?? `trained ${record.results.length}/${workers} configs, ${stats.steps} steps` }),
    });
  } catch (err) {
    return result({ error: (err as Error).message.split('\n')[0] });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
