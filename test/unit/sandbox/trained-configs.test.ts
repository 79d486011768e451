import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../core/artifacts/index.js';
import { parseSandboxArgs } from '../../../local/sandbox/options.js';
import { sandboxConfig } from '../../../local/sandbox/sandbox-config.js';
import { summariseAblations, trainedConfigs } from '../../../local/sandbox/trained-configs.js';
import { runTraining } from '../../../gpu-trainer/run.js';
import { createLog } from '../../../gpu-trainer/log.js';

describe('dp_configs', () => {
  it('--full trains on two workers as one data-parallel group; the default stays on one', () => {
    const full = sandboxConfig(parseSandboxArgs(['--full'])!, {});
    expect(full.training).toMatchObject({ gpusPerInstance: 2, dataParallel: 2 });
    expect(sandboxConfig(parseSandboxArgs([])!, {}).training.gpusPerInstance).toBe(1);
  });

  it('counts the configs a shard trained on more than one worker, from the run records the trainer wrote', async () => {
    const out = await mkdtemp(join(tmpdir(), 'sf-dpcount-'));
    const config = sandboxConfig(parseSandboxArgs(['--full'])!, {});
    const common = {
      data: 'synthetic:500:3',
      out,
      config,
      workers: 2,
      epochs: 1,
      models: ['dense' as const],
      windowSize: 4,
      hiddenUnits: 4,
      batchSize: 64,
      log: createLog({ runId: 'x', tty: false, quiet: true }),
    };
    // Shard 0: data-parallel as the --full config says; shard 1: one config per worker.
    const dp = await runTraining({ ...common, runId: 'rt-1-s000', configs: ['AAPL#1d'] });
    const single = await runTraining({
      ...common,
      runId: 'rt-1-s001',
      configs: ['MSFT#1d', 'NVDA#1d'],
      dataParallel: 1,
    });
    expect(dp.dataParallelConfigs).toEqual(['AAPL#1d']);
    expect(single.dataParallelConfigs).toEqual([]);
    expect(await trainedConfigs(openStore(out), 'rt-1', 2)).toEqual({ trained: 3, dataParallel: 1, ablations: [] });
  });

  it('counts the sentiment ablations each way: better with, significantly with, significantly without', () => {
    const a = (withSentimentMse: number, withoutSentimentMse: number, pValue: number) => ({
      samples: 100,
      withSentimentMse,
      withoutSentimentMse,
      dieboldMariano: { statistic: 0, pValue },
    });
    expect(summariseAblations([a(1, 2, 0.01), a(1, 1.1, 0.3), a(2, 1, 0.99), a(1.1, 1, 0.7), a(1, 1, 0.5)])).toEqual({
      configs: 5,
      better_with: 2,
      significant: 1,
      significant_without: 1,
    });
  });
});
