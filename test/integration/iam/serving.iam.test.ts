import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bar } from '../../../core/api/index.js';
import { metadataKey, modelKey } from '../../../core/artifacts/index.js';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { loadConfig } from '../../../core/config/index.js';
import { encodeLakeFile, lakeObjectKey } from '../../../core/lake/index.js';
import { ModelRegistry, registryTableDefinition } from '../../../core/registry/index.js';
import { runDriftCheck } from '../../../lambdas/serving/drift/drift-check.js';
import { createInferenceServiceFromEnv } from '../../../lambdas/serving/inference/runtime.js';
import { startRetrain } from '../../../lambdas/training/start-retrain.js';
import { asHandler, deployedApp, expectCallsAllowed } from '../../support/iam/index.js';
import { makeBars } from '../../unit/serving/fixtures.js';
import { createStandInStateMachine, uniqueName } from '../../support/aws-fixtures.js';
import { buildRealModel } from '../serving/real-model.js';
import { barEvent } from '../../support/bars.js';

const HOUR = 3_600_000;
const TRAIN_START = Date.UTC(2024, 0, 1);
const overrides = {
  universe: { symbols: ['AAPL'], timeframes: ['1h' as const] },
  inference: { minBars: 60, maxBars: 1000, aliasTtlSeconds: 0 },
};
const config = loadConfig({ env: {}, overrides });
const ops = { who: 'iam-test', why: 'serving under deployed policies' };

/**
 * Inference, batch inference and the drift check run their real code paths against moto, each as its
 * deployed function; afterwards every call is checked against that function's role in the Inference stack.
 */
describe('serving functions run under their deployed IAM policies', () => {
  const { synth, app } = deployedApp(overrides);
  const inference = app.functionRole(synth.stacks.inference.inferenceFunction);
  const batch = app.functionRole(synth.stacks.inference.batchFunction);
  const drift = app.functionRole(synth.stacks.inference.driftFunction);
  const s3 = new S3Client(awsClientConfig());
  const sfn = new SFNClient(awsClientConfig());
  const trainBars = makeBars(700, 42, TRAIN_START);
  const moto = {
    artifacts: uniqueName('iam-artifacts'),
    lake: uniqueName('iam-lake'),
    table: uniqueName('iam-registry'),
    machine: '',
  };
  const saved = { ...process.env };

  async function writeLake(bars: readonly Bar[]): Promise<void> {
    const rows = bars.map((b, i) => ({
      event: barEvent('AAPL', '1h', b, { source: 'iam-test' }),
      kafkaPartition: 0,
      kafkaOffset: i,
    }));
    const key = lakeObjectKey(config.ingest.lakePrefix, {
      topic: 'market-data',
      symbol: 'AAPL',
      date: new Date(bars[0]!.t).toISOString().slice(0, 10),
      partition: 0,
      firstOffset: 0,
      lastOffset: rows.length - 1,
    });
    await s3.send(new PutObjectCommand({ Bucket: moto.lake, Key: key, Body: encodeLakeFile(rows) }));
  }

  beforeAll(async () => {
    await Promise.all([moto.artifacts, moto.lake].map((b) => s3.send(new CreateBucketCommand({ Bucket: b }))));
    await new DynamoDBClient(awsClientConfig()).send(new CreateTableCommand(registryTableDefinition(moto.table)));
    const model = await buildRealModel({ symbol: 'AAPL', timeframe: '1h', runId: 'run-a', bars: trainBars, seed: 1 });
    await s3.send(
      new PutObjectCommand({ Bucket: moto.artifacts, Key: modelKey('AAPL', '1h', 'run-a'), Body: model.onnx }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: moto.artifacts,
        Key: metadataKey('AAPL', '1h', 'run-a'),
        Body: JSON.stringify(model.metadata),
      }),
    );
    const registry = new ModelRegistry({ tableName: moto.table });
    const version = await registry.register(
      {
        key: 'AAPL#1h',
        artifactUri: `s3://${moto.artifacts}/${modelKey('AAPL', '1h', 'run-a')}`,
        metadataUri: `s3://${moto.artifacts}/${metadataKey('AAPL', '1h', 'run-a')}`,
        sha256: model.sha256,
        metrics: { valMse: model.metadata.metrics.validation.model.mse },
        hyperparameters: model.metadata.hyperparameters,
        datasetManifest: {
          id: model.metadata.dataset.manifestId,
          uri: `s3://${moto.artifacts}/runs/run-a/manifest.json`,
        },
        codeVersion: 'test',
        trainingRunId: 'run-a',
      },
      ops,
    );
    await registry.promote('AAPL#1h', ops, { version: version.version });
    // A regime change in the lake (volatility 0.12 against 0.02 in training), so the drift check starts a retrain.
    await writeLake(makeBars(400, 44, TRAIN_START + 700 * HOUR, 0.12));
    moto.machine = await createStandInStateMachine();
    Object.assign(process.env, {
      REGISTRY_TABLE: moto.table,
      LAKE_BUCKET: moto.lake,
      SIGNALFORGE_CONFIG_JSON: JSON.stringify(overrides),
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
  });
  afterAll(() => {
    for (const k of ['REGISTRY_TABLE', 'LAKE_BUCKET', 'SIGNALFORGE_CONFIG_JSON', 'POWERTOOLS_METRICS_DISABLED'])
      if (saved[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it('the inference Lambda entry answers a prediction (aliases from the registry, the model from S3)', async () => {
    const { handler } = await import('../../../lambdas/serving/inference.handler.js');
    const body = JSON.stringify({
      symbol: 'AAPL',
      timeframe: '1h',
      bars: makeBars(400, 43, TRAIN_START + 700 * HOUR).slice(-200),
    });
    const res = await asHandler(inference.handler, () =>
      handler({
        httpMethod: 'POST',
        path: '/v1/predict',
        headers: { 'Content-Type': 'application/json' },
        body,
        isBase64Encoded: false,
        requestContext: { requestId: 'iam-1' },
      } as never),
    );
    expect(res.statusCode, res.body).toBe(200);
  });

  it('the batch inference Lambda entry scores the config from the lake and writes its results', async () => {
    const { handler } = await import('../../../lambdas/serving/batch-inference.handler.js');
    const summary = await asHandler(batch.handler, () => handler({}));
    expect(summary.counts.predicted).toBe(1);
  });

  it('the drift check (as its handler composes it) finds the regime change and starts a retrain', async () => {
    const report = await asHandler(drift.handler, () =>
      runDriftCheck({
        config,
        service: createInferenceServiceFromEnv({ config }),
        s3,
        lakeBucket: moto.lake,
        liveSamples: 300,
        startRetrain: (input) => startRetrain(input, { client: sfn, stateMachineArn: moto.machine }),
      }),
    );
    expect(report.retrain.started).toBe(true);
  });

  it('every call each serving function made is allowed by its role in the synthesized template', async () => {
    const names = {
      exact: {
        [moto.artifacts]: batch.environment.ARTIFACT_BUCKET ?? inference.environment.ARTIFACT_BUCKET!,
        [moto.lake]: batch.environment.LAKE_BUCKET!,
        [moto.table]: inference.environment.REGISTRY_TABLE!,
        [moto.machine]: drift.environment.RETRAIN_STATE_MACHINE_ARN!,
      },
    };
    const { checked } = await expectCallsAllowed(app, [inference, batch, drift], names);
    expect(checked).toBeGreaterThan(6);
  });
});
