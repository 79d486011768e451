import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelMetadataSchema, readUri, runRecordSchema } from '../../../core/artifacts/index.js';
import type { ShardState, TrainerStatus } from '../../../lambdas/training/contracts.js';
import { readRunRecord } from '../../../lambdas/training/tasks/trainer.js';
import { LocalProcessLauncher } from '../../../local/trainer/local-launcher.js';
import { localRetrainHandlers, runRetrainLocally } from '../../../local/stepfunctions/index.js';
import { createRetrainWorld, testConfig, withCanaryTraffic } from './support/retrain-world.js';

describe('retrain with the real gpu-trainer CLI as a local process group', () => {
  it('snapshots, trains AAPL#1d with gpu-trainer/cli.ts, registers the real ONNX artifact and promotes it', async () => {
    const config = testConfig({
      universe: { symbols: ['AAPL'], timeframes: ['1d'] },
      training: {
        maxAttempts: 2,
        hyperparameters: {
          models: ['dense'],
          windowSize: 8,
          hiddenUnits: 8,
          epochs: 20,
          batchSize: 32,
          checkpointEverySteps: 20,
        },
        search: {
          trials: 1,
          ensembleSize: 0,
          spaces: {
            dense: {
              learningRate: { min: 0.001, max: 0.001 },
              hiddenUnits: [8],
              layers: [1],
              windowSize: [8],
              batchSize: [32],
            },
          },
        },
      },
      thresholds: { minRowsPerConfig: 100 },
    });
    const logDir = mkdtempSync(join(tmpdir(), 'sf-trainer-'));
    const world = await createRetrainWorld({
      config,
      lake: [{ symbol: 'AAPL', timeframe: '1d', bars: 400 }],
      launcher: ({ config: cfg }) => new LocalProcessLauncher({ config: cfg, logDir }),
    });
    // What the sandbox uses: the same handlers over the emulator, gpu-trainer as a local process group.
    const { handlers } = localRetrainHandlers({
      config,
      lakeBucket: world.deps.lakeBucket,
      artifactBucket: world.deps.artifactBucket,
      registryTable: world.registry.tableName,
      alertTopicArn: world.alerts.topicArn,
      liveMetrics: world.deps.liveMetrics,
      trainerLogDir: logDir,
      trainerRuntime: {
        workers: 1,
        backend: 'wasm',
        spotWatch: false,
        extraArgs: ['--in-process', '--heartbeat-s', '1'],
      },
    });
    // Serving's prediction log while the canary bakes, so the bake judges realised outcomes.
    withCanaryTraffic(handlers, {
      config,
      s3: world.deps.s3,
      lakeBucket: world.deps.lakeBucket,
      registry: world.registry,
      now: () => new Date(),
    });
    const result = await runRetrainLocally({
      config,
      handlers,
      input: { trigger: 'new-data', reason: '400 bars landed for AAPL', epochs: 20 },
      pollMs: 500,
      retryMs: 5,
    });
    const logs = readdirSync(logDir)
      .map((f) => readFileSync(join(logDir, f), 'utf8'))
      .join('\n');
    expect(result.status, `${result.error}: ${result.cause}\ntrainer log:\n${logs.slice(-3000)}`).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({
      outcome: 'promoted',
      trigger: 'new-data',
      promoted: [{ key: 'AAPL#1d', version: 1 }],
    });
    const production = (await world.registry.getServingAliases('AAPL#1d')).production!;
    const metadata = modelMetadataSchema.parse(
      JSON.parse(new TextDecoder().decode(await readUri(production.metadataUri, world.deps.s3))),
    );
    expect(metadata.onnx.sha256).toBe(production.sha256);
    expect(metadata.hyperparameters.model).toBe('dense');
    const version = (await world.registry.getVersion('AAPL#1d', 1))!;
    expect(version.datasetManifest.id).toBe(metadata.dataset.manifestId);
    expect(version.metrics.valMse).toBe(metadata.metrics.validation.model.mse);
    // The fixture's returns are a sinusoid (lake-fixtures.ts), which the model learns: the gate passes it on its
    // walk-forward statistics, recorded on the version with the trainer's p-value.
    expect(version.gate).toMatchObject({ verdict: 'promotable', folds: 5, champion: null });
    expect(version.gate!.dm!.pValue).toBe(metadata.evaluation.dieboldMariano.pValue);
    expect(version.gate!.dm!.pValue).toBeLessThanOrEqual(config.evaluation.alpha);
    expect(logs).toContain('run started');
  });
});

describe('retrain with the real trainer killed mid-run', () => {
  it('detects the killed process group, relaunches with --resume and finishes from the checkpoints', async () => {
    const config = testConfig({
      universe: { symbols: ['AAPL'], timeframes: ['1d'] },
      training: {
        maxAttempts: 2,
        hyperparameters: {
          models: ['lstm'],
          windowSize: 16,
          hiddenUnits: 16,
          epochs: 40,
          batchSize: 16,
          checkpointEverySteps: 5,
        },
        search: {
          trials: 1,
          ensembleSize: 0,
          spaces: {
            lstm: {
              learningRate: { min: 0.001, max: 0.001 },
              hiddenUnits: [16],
              layers: [1],
              windowSize: [16],
              batchSize: [16],
            },
          },
        },
      },
      thresholds: { minRowsPerConfig: 100 },
    });
    const logDir = mkdtempSync(join(tmpdir(), 'sf-trainer-'));
    let launcher!: LocalProcessLauncher;
    const world = await createRetrainWorld({
      config,
      lake: [{ symbol: 'AAPL', timeframe: '1d', bars: 400 }],
      launcher: ({ config: cfg }) => {
        launcher = new LocalProcessLauncher({
          config: cfg,
          logDir,
          runtime: {
            workers: 1,
            backend: 'wasm',
            spotWatch: false,
            extraArgs: ['--in-process', '--heartbeat-s', '1', '--patience', '1000'],
          },
        });
        return launcher;
      },
    });
    const check = world.handlers.check;
    let killed = false;
    // kill -9 of attempt 1's process group once its run record shows it past a checkpoint.
    world.handlers.check = async (input: ShardState) => {
      const status = (await check(input)) as TrainerStatus;
      const record = await readRunRecord(world.deps, input.shard.shardRunId);
      const step = Math.max(0, ...Object.values(record?.progress ?? {}).map((p) => p.step));
      if (!killed && input.attempt === 1 && status.state === 'running' && step >= 10) {
        killed = true;
        await launcher.terminate(input.trainer!);
      }
      return status;
    };
    const result = await runRetrainLocally({
      config,
      handlers: world.handlers,
      input: { trigger: 'manual', reason: 'kill test' },
      pollMs: 200,
      retryMs: 5,
    });
    const logs = readdirSync(logDir)
      .map((f) => readFileSync(join(logDir, f), 'utf8'))
      .join('\n');
    expect(result.status, `${result.error}: ${result.cause}\ntrainer log:\n${logs.slice(-3000)}`).toBe('SUCCEEDED');
    expect(killed).toBe(true);
    expect(result.path).toContain('PrepareRelaunch');
    const shardRunId = `${result.output!.runId}-s000`;
    const record = runRecordSchema.parse(
      JSON.parse(
        new TextDecoder().decode(
          await readUri(`s3://${world.deps.artifactBucket}/runs/${shardRunId}/run.json`, world.deps.s3),
        ),
      ),
    );
    expect(record).toMatchObject({ status: 'succeeded', attempt: 2, configsDone: 1 });
    expect(readdirSync(logDir).sort()).toEqual([`${shardRunId}-attempt1.log`, `${shardRunId}-attempt2.log`]);
    expect(readFileSync(join(logDir, `${shardRunId}-attempt2.log`), 'utf8')).toContain(
      'resuming config from checkpoint',
    );
    expect((await world.registry.getServingAliases('AAPL#1d')).production?.version).toBe(1);
  });
});
