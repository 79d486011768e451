import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import * as ort from 'onnxruntime-node';
import type { Bar } from '../../../core/api/index.js';
import { modelKey, metadataKey } from '../../../core/artifacts/index.js';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { loadConfig, type SignalForgeConfig, type Timeframe } from '../../../core/config/index.js';
import { buildModelInput } from '../../../core/features/index.js';
import { encodeLakeFile, lakeObjectKey, type LakeRow } from '../../../core/lake/index.js';
import { ModelRegistry, registryTableDefinition } from '../../../core/registry/index.js';
import { runBatchInference, type BatchResult } from '../../../lambdas/serving/batch/batch-inference.js';
import { runDriftCheck } from '../../../lambdas/serving/drift/drift-check.js';
import { startRetrain as startRetrainExecution } from '../../../lambdas/training/start-retrain.js';
import { createInferenceServiceFromEnv } from '../../../lambdas/serving/inference/runtime.js';
import type { InferenceService } from '../../../lambdas/serving/inference/service.js';
import { startLocalApi, type LocalApi } from '../../../local/http/server.js';
import { makeBars } from '../../unit/serving/fixtures.js';
import { createStandInStateMachine, uniqueName } from '../../support/aws-fixtures.js';
import { buildRealModel, type RealModel } from './real-model.js';
import { readAnswer } from '../../support/api-answer.js';
import { barEvent } from '../../support/bars.js';

const ops = { who: 'serving-test', why: 'integration test' };
const HOUR = 3_600_000;
const TRAIN_START = Date.UTC(2024, 0, 1);

const config: SignalForgeConfig = loadConfig({
  env: {},
  overrides: {
    universe: { symbols: ['AAPL', 'MSFT'], timeframes: ['1h', '1d'] },
    // TTL 0: every request re-reads the aliases, so the test sees each transition at once.
    inference: { minBars: 60, maxBars: 1000, aliasTtlSeconds: 0 },
  },
});

let s3: S3Client;
let bucket: string;
let registry: ModelRegistry;
let service: InferenceService;
let api: LocalApi;
const trainBars = makeBars(700, 42, TRAIN_START);
let v1: RealModel;
let v2: RealModel;

async function createBucket(): Promise<string> {
  const name = uniqueName('serving');
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

async function upload(model: RealModel, symbol: string, timeframe: string, runId: string, tamper = false) {
  const onnxKey = modelKey(symbol, timeframe, runId);
  const metaKey = metadataKey(symbol, timeframe, runId);
  // A tampered upload stores different bytes than the ones whose sha256 gets registered.
  const bytes = tamper
    ? Uint8Array.from(model.onnx, (b, i) => (i === model.onnx.length - 1 ? b ^ 0xff : b))
    : model.onnx;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: onnxKey, Body: bytes }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: metaKey, Body: JSON.stringify(model.metadata) }));
  return registry.register(
    {
      key: `${symbol}#${timeframe}`,
      artifactUri: `s3://${bucket}/${onnxKey}`,
      metadataUri: `s3://${bucket}/${metaKey}`,
      sha256: model.sha256,
      metrics: { valMse: model.metadata.metrics.validation.model.mse },
      hyperparameters: model.metadata.hyperparameters,
      datasetManifest: { id: model.metadata.dataset.manifestId, uri: `s3://${bucket}/runs/${runId}/manifest.json` },
      codeVersion: 'test',
      trainingRunId: runId,
    },
    ops,
  );
}

/** Writes market-data bars to a lake bucket the way the sink does: parquet per (symbol, ingest date). */
async function writeLake(lakeBucket: string, symbol: string, timeframe: string, bars: readonly Bar[]): Promise<void> {
  const byDate = new Map<string, LakeRow[]>();
  bars.forEach((b, i) => {
    const event = barEvent(symbol, timeframe as Timeframe, b, { source: 'serving-test' });
    const date = event.eventTime.slice(0, 10);
    byDate.set(date, [...(byDate.get(date) ?? []), { event, kafkaPartition: 0, kafkaOffset: i }]);
  });
  for (const [date, rows] of byDate) {
    const key = lakeObjectKey(config.ingest.lakePrefix, {
      topic: 'market-data',
      symbol,
      date,
      partition: 0,
      firstOffset: rows[0]!.kafkaOffset,
      lastOffset: rows.at(-1)!.kafkaOffset,
    });
    await s3.send(new PutObjectCommand({ Bucket: lakeBucket, Key: key, Body: encodeLakeFile(rows) }));
  }
}

/** What the model answers for these bars, computed without the service: shared features + a fresh session. */
async function directPrediction(model: RealModel, bars: readonly Bar[]): Promise<number> {
  const session = await ort.InferenceSession.create(model.onnx);
  const x = buildModelInput(bars, model.metadata);
  const out = await session.run({
    [model.metadata.input.name]: new ort.Tensor('float32', x, [
      1,
      model.metadata.windowSize,
      model.metadata.featureSpec.names.length,
    ]),
  });
  await session.release();
  return Number(out[model.metadata.output.name]!.data[0]);
}

async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${api.url}/v1/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return readAnswer(res);
}
const health = async () => readAnswer(await fetch(`${api.url}/health`));

// Request bars continue the training series: same process, later in time.
const liveBars = makeBars(400, 43, TRAIN_START + 700 * HOUR);
const request = { symbol: 'AAPL', timeframe: '1h', bars: liveBars.slice(-200) };

beforeAll(async () => {
  s3 = new S3Client(awsClientConfig());
  bucket = await createBucket();
  const table = uniqueName('serving-registry');
  await new DynamoDBClient(awsClientConfig()).send(new CreateTableCommand(registryTableDefinition(table)));
  registry = new ModelRegistry({ tableName: table });
  [v1, v2] = await Promise.all([
    buildRealModel({ symbol: 'AAPL', timeframe: '1h', runId: 'run-a', bars: trainBars, seed: 1 }),
    buildRealModel({ symbol: 'AAPL', timeframe: '1h', runId: 'run-b', bars: trainBars, seed: 2 }),
  ]);
  await upload(v1, 'AAPL', '1h', 'run-a');
  await upload(v2, 'AAPL', '1h', 'run-b');
  service = createInferenceServiceFromEnv({ config, env: { ...process.env, REGISTRY_TABLE: table }, s3 });
  api = await startLocalApi({ port: 0, service });
});

afterAll(async () => {
  await api?.close();
});

describe('serving against moto (S3 artifacts, DynamoDB registry)', () => {
  it('is unhealthy and answers 503 while versions are registered but none is promoted', async () => {
    const h = await health();
    expect(h.status).toBe(503);
    expect(h.json).toMatchObject({ status: 'unavailable', modelsServing: 0 });
    const res = await post(request);
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe('no_model_serving');
  });

  it('serves the promoted production version end to end, matching the model run directly', async () => {
    await registry.setCanary('AAPL#1h', 1, 0.5, ops);
    await registry.promote('AAPL#1h', ops);
    const res = await post(request, { 'x-request-id': 'e2e-1' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      modelVersion: 1,
      alias: 'production',
      symbol: 'AAPL',
      timeframe: '1h',
      target: 'next-bar simple return',
    });
    expect(res.json.prediction).toBeCloseTo(await directPrediction(v1, request.bars), 6);
    const h = await health();
    expect(h.status).toBe(200);
    expect(h.json).toMatchObject({ status: 'ok', modelsServing: 1, configsServing: 1, configsTotal: 4 });
  });

  it('splits traffic to a canary deterministically by weight, then stops after a rollback', async () => {
    await registry.setCanary('AAPL#1h', 2, 0.3, ops);
    const n = 200;
    const aliases: string[] = [];
    const byAlias: Record<string, Set<number>> = { production: new Set(), canary: new Set() };
    for (let i = 0; i < n; i++) {
      const res = await post(request, { 'x-request-id': `client-${i}` });
      expect(res.status).toBe(200);
      aliases.push(res.json.alias);
      byAlias[res.json.alias]!.add(res.json.modelVersion);
    }
    const share = aliases.filter((a) => a === 'canary').length / n;
    const sigma = Math.sqrt((0.3 * 0.7) / n);
    expect(Math.abs(share - 0.3)).toBeLessThan(5 * sigma);
    expect([...byAlias.canary!]).toEqual([2]);
    expect([...byAlias.production!]).toEqual([1]);
    for (let i = 0; i < 20; i++)
      expect((await post(request, { 'x-request-id': `client-${i}` })).json.alias).toBe(aliases[i]);
    const canaryAnswer = (await post(request, { 'x-request-id': `client-${aliases.indexOf('canary')}` })).json
      .prediction;
    expect(canaryAnswer).toBeCloseTo(await directPrediction(v2, request.bars), 6);
    expect((await health()).json.modelsServing).toBe(2);

    await registry.rollback('AAPL#1h', ops, { target: 'canary' });
    for (let i = 0; i < 30; i++)
      expect((await post(request, { 'x-request-id': `client-${i}` })).json.alias).toBe('production');
  });

  it('refuses an artifact whose bytes do not match the registered sha256, without hurting other configs', async () => {
    const other = await buildRealModel({
      symbol: 'MSFT',
      timeframe: '1d',
      runId: 'run-c',
      bars: makeBars(700, 5, TRAIN_START),
    });
    await upload(other, 'MSFT', '1d', 'run-c', true);
    await registry.setCanary('MSFT#1d', 1, 0.5, ops);
    await registry.promote('MSFT#1d', ops);
    const bad = await post({ ...request, symbol: 'MSFT', timeframe: '1d' });
    expect(bad.status).toBe(503);
    expect(bad.json.error.code).toBe('model_unavailable');
    expect((await post(request)).status).toBe(200);
  });

  it('answers bad input over the wire with 4xx and keeps serving', async () => {
    const tooFew = await post({ ...request, bars: request.bars.slice(0, v1.metadata.minBars - 1) });
    expect(tooFew.status).toBe(400);
    expect(tooFew.json.error.field).toBe('bars');
    const raw = await fetch(`${api.url}/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"symbol":"AAPL",',
    });
    expect(raw.status).toBe(400);
    expect((await post(request)).status).toBe(200);
  });

  it('the Lambda entry (inference.handler.ts) serves the same routes from its environment', async () => {
    process.env.REGISTRY_TABLE = registry.tableName;
    process.env.SIGNALFORGE_CONFIG_JSON = JSON.stringify({ universe: config.universe, inference: config.inference });
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    const { handler } = await import('../../../lambdas/serving/inference.handler.js');
    const event = (method: string, path: string, body: string | null) =>
      ({
        httpMethod: method,
        path,
        headers: { 'Content-Type': 'application/json' },
        body,
        isBase64Encoded: false,
        requestContext: { requestId: uniqueName('lambda') },
      }) as never;
    const res = await handler(event('POST', '/v1/predict', JSON.stringify(request)));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ modelVersion: 1, alias: 'production' });
    expect((await handler(event('GET', '/health', null))).statusCode).toBe(200);
    expect(JSON.parse((await handler(event('GET', '/openapi.json', null))).body).openapi).toBe('3.1.0');
    expect((await handler(event('POST', '/v1/predict', '{"bars": 1}'))).statusCode).toBe(400);
  });

  it('batch inference scores every config from the lake and writes the results to S3', async () => {
    const lake = await createBucket();
    await writeLake(lake, 'AAPL', '1h', liveBars);
    const summary = await runBatchInference({
      config,
      service,
      s3,
      lakeBucket: lake,
      outputBucket: lake,
      runId: 'batch-test',
    });
    expect(summary.configs).toBe(4);
    // AAPL#1h has bars and a model; AAPL#1d and MSFT#1h have no model; MSFT#1d's artifact fails its sha256 check.
    expect(summary.counts).toEqual({ predicted: 1, no_model: 2, insufficient_data: 0, failed: 1 });
    const key = summary.resultsUri.replace(`s3://${lake}/`, '');
    const text = await (await s3.send(new GetObjectCommand({ Bucket: lake, Key: key }))).Body!.transformToString();
    const rows = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as BatchResult);
    const aapl = rows.find((r) => r.key === 'AAPL#1h')!;
    const used = Math.min(liveBars.length, Math.max(v1.metadata.minBars, config.inference.minBars) + 250);
    expect(aapl).toMatchObject({ status: 'predicted', modelVersion: 1, bars: used });
    expect(aapl.prediction).toBeCloseTo(await directPrediction(v1, liveBars.slice(-used)), 6);
    expect(rows.find((r) => r.key === 'MSFT#1d')).toMatchObject({ status: 'failed' });
    expect(aapl.asOf).toBe(new Date(liveBars.at(-1)!.t).toISOString());
  });

  it('drift: the training distribution stays under the PSI threshold; a regime change starts a retrain', async () => {
    const sfn = new SFNClient(awsClientConfig());
    const stateMachineArn = await createStandInStateMachine();
    const started: string[] = [];
    const startRetrain = async (input: Parameters<typeof startRetrainExecution>[0]) => {
      const res = await startRetrainExecution(input, { client: sfn, stateMachineArn });
      started.push(res.executionArn);
      return res;
    };

    // No false alarm on the distribution the model was fitted on: the lake holds its own training series.
    const calm = await createBucket();
    await writeLake(calm, 'AAPL', '1h', trainBars);
    const stable = await runDriftCheck({ config, service, s3, lakeBucket: calm, startRetrain, liveSamples: 400 });
    const aapl = stable.configs.find((c) => c.key === 'AAPL#1h')!;
    expect(aapl.status).toBe('checked');
    expect(aapl.samples).toBe(400);
    expect(Object.keys(aapl.featurePsi).sort()).toEqual([...v1.featureSpec.names].sort());
    expect(aapl.featurePsiMedian!, JSON.stringify(aapl.featurePsi)).toBeLessThan(config.thresholds.driftPsi);
    expect(aapl.predictionPsi!).toBeLessThan(config.thresholds.driftPsi);
    expect(stable.drifted).toEqual([]);
    expect(started).toEqual([]);

    const stormy = await createBucket();
    await writeLake(stormy, 'AAPL', '1h', makeBars(400, 44, TRAIN_START + 700 * HOUR, 0.12));
    const drifted = await runDriftCheck({ config, service, s3, lakeBucket: stormy, startRetrain, liveSamples: 300 });
    const hit = drifted.configs.find((c) => c.key === 'AAPL#1h')!;
    expect(hit.drifted).toBe(true);
    expect(hit.featurePsiMedian!).toBeGreaterThan(config.thresholds.driftPsi);
    expect(drifted.drifted).toEqual(['AAPL#1h']);
    expect(drifted.retrain.started).toBe(true);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: started[0]! }));
    expect(JSON.parse(execution.input!)).toMatchObject({
      trigger: 'drift',
      configs: ['AAPL#1h'],
      requestedBy: 'drift-checker',
    });
    expect(JSON.parse(execution.input!).reason).toContain('AAPL#1h');
  });
});
