import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  datasetManifestSchema,
  metadataKey,
  modelKey,
  readUri,
  runRecordKey,
  S3Store,
  type RunRecord,
} from '../../../../core/artifacts/index.js';
import type { TrainerHandle } from '../../../../lambdas/training/contracts.js';
import {
  bootstrapStatusKey,
  type TrainerLaunchRequest,
  type TrainerLauncher,
  type TrainerProcessStatus,
} from '../../../../lambdas/training/launchers/index.js';
import { loadConfig } from '../../../../core/config/index.js';
import { makeFeatureSpec } from '../../../../core/features/index.js';
import { gaussian, seededRandom, seedFor } from '../../../../core/random/index.js';
import { syntheticSeries } from '../../../../gpu-trainer/data-source.js';
import { buildDataset, datasetConfig } from '../../../../gpu-trainer/dataset.js';
import { evaluateDaily } from '../../../support/evaluation.js';

/** What the fake trainer does on one attempt. */
/** `setup-fail`: the instance setup reports failure (bootstrap status) before any trainer heartbeat. */
export type FakeBehaviour = 'succeed' | 'crash' | 'hang' | 'interrupt' | 'fail' | 'setup-fail';

/** Real time plus an offset the fake can advance, so a hung trainer's heartbeat ages without waiting. */
export class SimClock {
  private offsetMs = 0;
  now = (): Date => new Date(Date.now() + this.offsetMs);
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

export interface FakeTrainerOptions {
  s3: S3Client;
  artifactBucket: string;
  clock: SimClock;
  heartbeatTimeoutSeconds: number;
  /** Per launch: what happens. */
  behaviour: (request: TrainerLaunchRequest) => FakeBehaviour;
  /** Validation MSE the trained model reports for a config key. */
  valMse: (key: string) => number;
  /**
   * Share of the realised return the fake's out-of-sample forecasts see (the rest is noise): 0.5 gives the gate
   * a clear edge to accept, 0 a forecast with no edge to reject.
   */
  skill: (key: string) => number;
}

/**
 * Bars of the fake's walk-forward evaluation: a synthetic daily series long enough for 5 folds and a champion's
 * history.
 */
export const FAKE_EVALUATION_BARS = 500;

/**
 * A real walk-forward evaluation block (the trainer's own statistics) over a synthetic series, for forecasts that
 * see `skill` of each realised return plus noise. The fake trains nothing; the gate still gets honest numbers.
 */
function fakeEvaluation(key: string, runId: string, skill: number) {
  const cfg = loadConfig({ env: {} });
  const bars = syntheticSeries(key, FAKE_EVALUATION_BARS, 1).bars;
  const ds = buildDataset(bars, makeFeatureSpec(), datasetConfig(cfg, 8));
  const rand = seededRandom(seedFor(key, runId));
  const actual = ds.targets.subarray(ds.folds[0]!.test.start);
  const oos = Float64Array.from(actual, (a) => skill * a + (1 - skill) * 0.01 * gaussian(rand));
  return evaluateDaily(cfg, { dataset: ds, bars, trialsOos: [oos] }).evaluation;
}

const metrics = (mse: number) => ({
  mse,
  mae: Math.sqrt(mse),
  directionalAccuracy: 0.55,
  hitRate: 0.55,
  sharpe: 0.8,
  grossSharpe: 1,
  roi: 0.05,
  maxDrawdown: 0.1,
  turnover: 0.4,
  samples: 40,
});

/**
 * A stand-in for gpu-trainer behind the real TrainerLauncher interface: it writes the contract's run
 * record and real artifacts (bytes + metadata.json with the matching sha256) to S3, fast, and can crash,
 * hang or report an interruption on demand. Every launch is recorded for assertions.
 */
export class FakeTrainerLauncher implements TrainerLauncher {
  readonly backend = 'fake';
  readonly launches: TrainerLaunchRequest[] = [];
  private readonly gone = new Map<string, string>();
  private readonly finished: Promise<void>[] = [];

  constructor(private readonly options: FakeTrainerOptions) {}

  async launch(request: TrainerLaunchRequest): Promise<TrainerHandle> {
    this.launches.push(request);
    const id = `fake-${request.runId}-a${request.attempt}`;
    const launchedAt = this.options.clock.now().toISOString();
    this.finished.push(this.train(id, request, this.options.behaviour(request)));
    return {
      backend: this.backend,
      id,
      instanceType: 'fake.large',
      instanceTypeIndex: request.instanceTypeIndex,
      launchedAt,
    };
  }

  async describe(handle: TrainerHandle): Promise<TrainerProcessStatus> {
    const reason = this.gone.get(handle.id);
    return reason ? { state: 'gone', reason } : { state: 'running' };
  }

  async terminate(handle: TrainerHandle): Promise<void> {
    if (!this.gone.has(handle.id)) this.gone.set(handle.id, 'terminated');
  }

  /** Lets a test wait for background writes before it ends. */
  async settle(): Promise<void> {
    await Promise.all(this.finished);
  }

  private async train(id: string, request: TrainerLaunchRequest, behaviour: FakeBehaviour): Promise<void> {
    const store = new S3Store(this.options.artifactBucket, '', this.options.s3);
    const { clock } = this.options;
    const manifest = datasetManifestSchema.parse(
      JSON.parse(new TextDecoder().decode(await readUri(request.manifestUri, this.options.s3))),
    );
    const startedAt = clock.now().toISOString();
    const record = (
      status: RunRecord['status'],
      done: number,
      results: RunRecord['results'],
      extra: Partial<RunRecord> = {},
    ): RunRecord => ({
      runId: request.runId,
      status,
      heartbeatAt: clock.now().toISOString(),
      attempt: request.attempt,
      configsTotal: request.configs.length,
      configsDone: done,
      checkpointUri: request.checkpointUri,
      startedAt,
      results,
      skipped: [],
      ...extra,
    });
    const writeRecord = (r: RunRecord) =>
      store.write(runRecordKey(request.runId), JSON.stringify(r), 'application/json');
    if (behaviour === 'setup-fail') {
      const status = { phase: 'failed', at: clock.now().toISOString(), instanceId: id, detail: 'cuda exit 1' };
      await store.write(bootstrapStatusKey(request.runId, request.attempt), JSON.stringify(status), 'application/json');
      return;
    }
    await writeRecord(record('running', 0, []));
    if (behaviour === 'crash') {
      this.gone.set(id, 'trainer process killed by SIGKILL');
      return;
    }
    if (behaviour === 'hang') {
      // The process lives on but stops heartbeating; time passes beyond the limit.
      clock.advance(this.options.heartbeatTimeoutSeconds + 30);
      return;
    }
    if (behaviour === 'fail') {
      await writeRecord(
        record('failed', 0, [], { error: 'CUDA_ERROR_OUT_OF_MEMORY', finishedAt: clock.now().toISOString() }),
      );
      this.gone.set(id, 'trainer process exited with code 1');
      return;
    }
    if (behaviour === 'interrupt') {
      await writeRecord(record('interrupted', 0, [], { error: 'spot interruption notice' }));
      this.gone.set(id, 'instance terminated (Server.SpotInstanceTermination)');
      return;
    }
    const results: RunRecord['results'] = [];
    for (const key of request.configs) {
      const [symbol, timeframe] = key.split('#') as [string, string];
      const model = new TextEncoder().encode(`onnx-bytes ${key} ${request.runId}`);
      const sha256 = createHash('sha256').update(model).digest('hex');
      const valMse = this.options.valMse(key);
      const artifactUri = await store.write(modelKey(symbol, timeframe, request.runId), model);
      const metadataUri = await store.write(
        metadataKey(symbol, timeframe, request.runId),
        JSON.stringify({
          key,
          runId: request.runId,
          timeframe,
          onnx: { opset: 17, sha256, bytes: model.byteLength },
          evaluation: fakeEvaluation(key, request.runId, this.options.skill(key)),
          hyperparameters: {
            model: 'dense',
            windowSize: 8,
            hiddenUnits: 4,
            learningRate: 0.01,
            batchSize: 16,
            epochs: request.epochs,
            seed: 1,
          },
          metrics: {
            validation: {
              model: metrics(valMse),
              naive: metrics(valMse * 2),
              drift: metrics(valMse * 2),
              split: 'validation',
            },
            test: {
              model: metrics(valMse * 1.1),
              naive: metrics(valMse * 2),
              drift: metrics(valMse * 2),
              split: 'walk-forward',
            },
          },
          dataset: {
            manifestId: manifest.manifestId,
            bars: 40,
            firstBarTime: '2025-01-06T00:00:00.000Z',
            lastBarTime: '2025-02-14T00:00:00.000Z',
            samples: { train: 20, validation: 6, test: 6 },
            purgeGapBars: 1,
          },
          codeVersion: 'test-sha',
        }),
        'application/json',
      );
      results.push({
        key,
        artifactUri,
        metadataUri,
        sha256,
        metrics: {
          model: metrics(valMse * 1.1),
          naive: metrics(valMse * 2),
          drift: metrics(valMse * 2),
          split: 'walk-forward',
        },
      });
      await writeRecord(record('running', results.length, results));
    }
    await writeRecord(record('succeeded', results.length, results, { finishedAt: clock.now().toISOString() }));
    this.gone.set(id, 'trainer process exited with code 0');
  }
}
