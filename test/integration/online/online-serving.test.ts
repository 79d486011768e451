import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataKey, modelKey } from '../../../core/artifacts/index.js';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { loadConfig, type SignalForgeConfig, type Timeframe } from '../../../core/config/index.js';
import { physicalTopic, type MarketBarEvent } from '../../../core/events/index.js';
import { buildModelInput, makeFeatureSpec, minBarsForWindow, type OhlcvBar } from '../../../core/features/index.js';
import { OnlineBarStore, onlineStoreTableDefinition } from '../../../core/online/index.js';
import { ModelRegistry, registryTableDefinition } from '../../../core/registry/index.js';
import { LexiconSentimentScorer } from '../../../core/sentiment/index.js';
import { gatherWindows } from '../../../gpu-trainer/dataset.js';
import { INPUT_NAME, OUTPUT_NAME } from '../../../gpu-trainer/model/onnx.js';
import { eventMessage } from '../../../lambdas/ingest/producer.js';
import { createSinkHandler } from '../../../lambdas/ingest/sink.js';
import { loadSp500Daily, resampleWeekly, type DailyBar } from '../../../local/replay/vega.js';
import { createInferenceServiceFromEnv } from '../../../lambdas/serving/inference/runtime.js';
import type { InferenceService } from '../../../lambdas/serving/inference/service.js';
import { toMskEvent, toMskRecord } from '../../../local/event-source/index.js';
import { startLocalApi, type LocalApi } from '../../../local/http/server.js';
import { buildRealModel, type RealModel } from '../serving/real-model.js';
import { lastLakeBars } from './lake-reference.js';
import { readAnswer } from '../../support/api-answer.js';
import { barEvent, dailyOhlcv } from '../../support/bars.js';

// Real data: S&P 500 daily bars 2000-2020 (vega-datasets), and weekly bars resampled from them.
const spDaily = loadSp500Daily();
const sp500: OhlcvBar[] = spDaily.map(dailyOhlcv);
const spWeekly = resampleWeekly(spDaily);
const WINDOW = 16;
const NEED = minBarsForWindow(makeFeatureSpec(), WINDOW);
const WEEK_STALE_S = 86_400;

const config: SignalForgeConfig = loadConfig({
  env: {},
  overrides: {
    universe: { symbols: ['SPX', 'AAPL'], timeframes: ['1d', '1w'] },
    // The store keeps exactly what the test model needs; aliases and windows are re-read on every request.
    inference: { minBars: NEED, maxBars: 1000, aliasTtlSeconds: 0 },
    // The S&P history ends in 2020: daily windows count as fresh, weekly ones as stale.
    online: {
      staleAfterSeconds: {
        '1h': 3600,
        '4h': 3600,
        '1d': 1e9,
        '1w': WEEK_STALE_S,
      },
      cacheTtlMs: 0,
    },
  },
});

const ops = { who: 'online-test', why: 'integration test' };
let s3: S3Client;
let bucket: string;
let store: OnlineBarStore;
let registry: ModelRegistry;
let service: InferenceService;
let api: LocalApi;
let model: RealModel;
let sink: (events: MarketBarEvent[]) => Promise<void>;
/** The dataset sample the test serves, whose window ends at bar `lastBar`. */
let sample: number;
let lastBar: number;

function event(symbol: string, timeframe: Timeframe, b: DailyBar): MarketBarEvent {
  return barEvent(symbol, timeframe, b, {
    source: 'vega-datasets',
    synthetic: false,
    ingestTime: new Date().toISOString(),
  });
}

async function post(path: string, body: unknown) {
  const res = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return readAnswer(res);
}

async function onnxPrediction(x: Float32Array): Promise<number> {
  const session = await ort.InferenceSession.create(model.onnx);
  try {
    const out = await session.run({
      [INPUT_NAME]: new ort.Tensor('float32', x, [1, WINDOW, model.dataset.width]),
    });
    return Number(out[OUTPUT_NAME]!.data[0]);
  } finally {
    await session.release();
  }
}

beforeAll(async () => {
  s3 = new S3Client(awsClientConfig());
  const ddb = new DynamoDBClient(awsClientConfig());
  const suffix = randomBytes(4).toString('hex');
  bucket = `online-serving-${suffix}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await ddb.send(new CreateTableCommand(registryTableDefinition(`registry-${suffix}`)));
  await ddb.send(new CreateTableCommand(onlineStoreTableDefinition(`online-${suffix}`)));
  registry = new ModelRegistry({ tableName: `registry-${suffix}` });
  store = new OnlineBarStore({
    tableName: `online-${suffix}`,
    config,
    client: ddb,
  });

  // The deployed sink handler, fed MSK-shaped batches in offset order.
  const handler = createSinkHandler({
    config,
    s3,
    lakeBucket: bucket,
    scorer: new LexiconSentimentScorer(),
    logger: new Logger({ logLevel: 'ERROR' }),
    onlineStore: store,
  });
  const topic = physicalTopic('market-data', `online-${suffix}`);
  let offset = 0;
  sink = async (events) => {
    for (let i = 0; i < events.length; i += 1000) {
      const records = events.slice(i, i + 1000).map((e) => {
        const m = eventMessage(e);
        return toMskRecord(topic, 0, {
          key: Buffer.from(m.key),
          value: Buffer.from(m.value as string),
          offset: String(offset++),
          timestamp: String(Date.now()),
          attributes: 0,
          headers: {},
        } as never);
      });
      const res = await handler(
        toMskEvent({ eventSourceArn: 'arn:local', bootstrapServers: 'x' }, records),
        {} as Context,
      );
      expect(res.batchItemFailures).toEqual([]);
    }
  };

  model = await buildRealModel({
    symbol: 'SPX',
    timeframe: '1d',
    runId: 'run-spx',
    bars: sp500,
    windowSize: WINDOW,
    seed: 3,
  });
  // Two bars short of the end, so the next test can land two more.
  sample = model.dataset.targets.length - 3;
  lastBar = model.dataset.firstBar + sample + WINDOW - 1;
  await sink([
    ...spDaily.slice(0, lastBar + 1).map((d) => event('SPX', '1d', d)),
    ...spWeekly.map((d) => event('SPX', '1w', d)),
    ...spDaily.slice(0, 10).map((d) => event('AAPL', '1d', d)),
  ]);

  const onnxKey = modelKey('SPX', '1d', 'run-spx');
  const metaKey = metadataKey('SPX', '1d', 'run-spx');
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: onnxKey, Body: model.onnx }));
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: metaKey,
      Body: JSON.stringify(model.metadata),
    }),
  );
  // Every served config gets a model (the same artifact), so no answer below is a 503 for want of one.
  for (const key of ['SPX#1d', 'SPX#1w', 'AAPL#1d', 'AAPL#1w']) {
    await registry.register(
      {
        key,
        artifactUri: `s3://${bucket}/${onnxKey}`,
        metadataUri: `s3://${bucket}/${metaKey}`,
        sha256: model.sha256,
        metrics: { valMse: model.metadata.metrics.validation.model.mse },
        hyperparameters: model.metadata.hyperparameters,
        datasetManifest: {
          id: model.metadata.dataset.manifestId,
          uri: `s3://${bucket}/runs/run-spx/manifest.json`,
        },
        codeVersion: 'test',
        trainingRunId: 'run-spx',
      },
      ops,
    );
    await registry.setCanary(key, 1, 0.5, ops);
    await registry.promote(key, ops);
  }
  service = createInferenceServiceFromEnv({
    config,
    env: { ...process.env, REGISTRY_TABLE: `registry-${suffix}` },
    s3,
    onlineStore: store,
  });
  api = await startLocalApi({ port: 0, service });
}, 600_000);

afterAll(async () => {
  await api?.close();
});

describe('online path on the real S&P 500 series', () => {
  it('store window = last lake bars; features equal the trainer dataset and the bars path bit for bit; predictions too (max abs diff 0)', async () => {
    const stored = await store.trailingBars('SPX', '1d');
    const lake = await lastLakeBars(s3, bucket, config, 'SPX', '1d', NEED);
    expect(stored).toEqual(lake);
    expect(stored.at(-1)!.t).toBe(sp500[lastBar]!.t);

    const W = model.dataset.width;
    const fromDataset = gatherWindows(model.dataset.features, W, WINDOW, [sample]);
    const fromStore = buildModelInput(stored, model.metadata);
    const fromLake = buildModelInput(lake, model.metadata);
    let maxAbsDiff = 0;
    for (let i = 0; i < fromDataset.length; i++)
      maxAbsDiff = Math.max(
        maxAbsDiff,
        Math.abs(fromStore[i]! - fromDataset[i]!),
        Math.abs(fromLake[i]! - fromDataset[i]!),
      );
    expect(fromStore).toHaveLength(WINDOW * W);
    expect(maxAbsDiff).toBe(0);
    expect(new Set(Array.from(fromStore)).size).toBeGreaterThan(WINDOW * W * 0.5);

    const online = await post('/v1/predict', {
      symbol: 'SPX',
      timeframe: '1d',
    });
    const withBars = await post('/v1/predict', {
      symbol: 'SPX',
      timeframe: '1d',
      bars: lake,
    });
    expect(online.status).toBe(200);
    expect(withBars.status).toBe(200);
    const direct = await onnxPrediction(fromDataset);
    expect(Math.abs(online.json.prediction - withBars.json.prediction)).toBe(0);
    expect(Math.abs(online.json.prediction - direct)).toBe(0);
    expect(online.json).toMatchObject({
      modelVersion: 1,
      alias: 'production',
      symbol: 'SPX',
      timeframe: '1d',
      asOf: new Date(sp500[lastBar]!.t).toISOString(),
    });
    expect(online.json.featureAgeSeconds).toBeGreaterThan(0);
    expect(
      Math.abs(Number(online.json.featureAgeSeconds) - (Date.now() - Number(sp500[lastBar]!.t)) / 1000),
    ).toBeLessThan(60);
  });

  it('asOf advances with every bar the sink lands', async () => {
    for (const next of [lastBar + 1, lastBar + 2]) {
      await sink([event('SPX', '1d', spDaily[next]!)]);
      const res = await post('/v1/predict', { symbol: 'SPX', timeframe: '1d' });
      expect(res.status).toBe(200);
      expect(res.json.asOf).toBe(new Date(sp500[next]!.t).toISOString());
      const expected = await post('/v1/predict', {
        symbol: 'SPX',
        timeframe: '1d',
        bars: sp500.slice(next + 1 - NEED, next + 1),
      });
      expect(res.json.prediction).toBe(expected.json.prediction);
    }
  });

  it('answers 409 with the missing bar count for an incomplete window and with the age and limit for a stale one', async () => {
    const short = await post('/v1/predict', {
      symbol: 'AAPL',
      timeframe: '1d',
    });
    expect(short.status).toBe(409);
    expect(short.json.error).toMatchObject({
      code: 'window_incomplete',
      missingBars: NEED - 10,
      asOf: `${spDaily[9]!.date}T00:00:00.000Z`,
    });
    const none = await post('/v1/predict', { symbol: 'AAPL', timeframe: '1w' });
    expect(none.status).toBe(409);
    expect(none.json.error).toMatchObject({
      code: 'window_incomplete',
      missingBars: NEED,
    });
    const stale = await post('/v1/predict', { symbol: 'SPX', timeframe: '1w' });
    expect(stale.status).toBe(409);
    expect(stale.json.error).toMatchObject({
      code: 'window_stale',
      staleAfterSeconds: WEEK_STALE_S,
      asOf: `${spWeekly.at(-1)!.date}T00:00:00.000Z`,
    });
    expect(stale.json.error.featureAgeSeconds).toBeGreaterThan(WEEK_STALE_S);
    expect(stale.json.error.message).toMatch(/limit for 1w/);
  });

  it('batch: 200 with one result per item in order, good and bad items each answered on their own', async () => {
    const lake = await lastLakeBars(s3, bucket, config, 'SPX', '1d', NEED);
    const single = await post('/v1/predict', {
      symbol: 'SPX',
      timeframe: '1d',
    });
    const res = await post('/v1/predict/batch', {
      requests: [
        { symbol: 'SPX', timeframe: '1d' },
        { symbol: 'SPX', timeframe: '1w' },
        { symbol: 'AAPL', timeframe: '1d' },
        { symbol: 'NOPE', timeframe: '1d' },
        { symbol: 'SPX', timeframe: '1d', bars: lake },
        { symbol: 'SPX', timeframe: '1d', extra: true },
      ],
    });
    expect(res.status).toBe(200);
    const r = res.json.results;
    expect(r).toHaveLength(6);
    expect(r[0]).toMatchObject({
      symbol: 'SPX',
      timeframe: '1d',
      prediction: single.json.prediction,
      asOf: single.json.asOf,
    });
    expect(r[1]!.error).toMatchObject({ code: 'window_stale', status: 409 });
    expect(r[2]!.error).toMatchObject({
      code: 'window_incomplete',
      status: 409,
      missingBars: NEED - 10,
    });
    expect(r[3]!.error).toMatchObject({
      code: 'invalid_request',
      status: 400,
      field: 'requests[3].symbol',
    });
    expect(r[4]!.prediction).toBe(single.json.prediction);
    expect(r[5]!.error).toMatchObject({ code: 'invalid_request', status: 400 });
    expect((await post('/v1/predict/batch', { requests: [] })).status).toBe(400);
    expect(
      (
        await post('/v1/predict/batch', {
          requests: Array.from({ length: 101 }, () => ({
            symbol: 'SPX',
            timeframe: '1d',
          })),
        })
      ).status,
    ).toBe(400);
    const full = await post('/v1/predict/batch', {
      requests: Array.from({ length: 100 }, () => ({
        symbol: 'SPX',
        timeframe: '1d',
      })),
    });
    expect(full.status).toBe(200);
    expect((full.json.results as { prediction: number }[]).every((x) => x.prediction === single.json.prediction)).toBe(
      true,
    );
  });

  it('fuzzed bodies on /v1/predict and /v1/predict/batch never answer 5xx', async () => {
    let seed = 2024;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const leaf = () =>
      pick<unknown>([
        0,
        -1,
        1e308,
        -1e-300,
        'SPX',
        'AAPL',
        '1d',
        '1w',
        '5m',
        '',
        'x'.repeat(300),
        null,
        true,
        false,
        [],
        {},
        2 ** 53,
        '2020-01-01T00:00:00Z',
        '\u0000',
        '__proto__',
      ]);
    const value = (depth: number): unknown => {
      if (depth > 3 || rnd() < 0.4) return leaf();
      if (rnd() < 0.5) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(rnd() * 4) }, () => [
          pick(['symbol', 'timeframe', 'bars', 'requests', 'sentiment', 't', 'o', 'constructor', 'x']),
          value(depth + 1),
        ]),
      );
    };
    const item = (): unknown => {
      const base: Record<string, unknown> = {
        symbol: pick(['SPX', 'AAPL', 'NOPE', 1]),
        timeframe: pick(['1d', '1w', '1h', null]),
      };
      const r = rnd();
      if (r < 0.2) base.bars = value(1);
      else if (r < 0.3) base.bars = sp500.slice(0, NEED).map((b) => (rnd() < 0.02 ? { ...b, h: value(3) } : b));
      else if (r < 0.4) base[pick(['sentiment', 'extra', 'symbol'])] = value(1);
      return rnd() < 0.1 ? value(0) : base;
    };
    const statuses = new Map<number, number>();
    const check = async (path: string, body: string, over: 'http' | 'handler') => {
      const status =
        over === 'http'
          ? (
              await fetch(`${api.url}${path}`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body,
              })
            ).status
          : (
              await service.handle({
                method: 'POST',
                path,
                headers: { 'content-type': 'application/json' },
                body,
                requestId: 'fuzz',
              })
            ).statusCode;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      expect(status, `${path} ${body.slice(0, 300)}`).toBeLessThan(500);
    };
    for (let n = 0; n < 300; n++) {
      const over = n % 10 === 0 ? 'http' : 'handler';
      const r = rnd();
      const text = r < 0.05 ? JSON.stringify(item()).slice(0, Math.floor(rnd() * 40)) : JSON.stringify(item());
      await check('/v1/predict', text, over);
      const batch =
        rnd() < 0.15
          ? value(0)
          : {
              requests: rnd() < 0.1 ? value(1) : Array.from({ length: Math.floor(rnd() * 6) }, item),
            };
      await check('/v1/predict/batch', JSON.stringify(batch) ?? 'null', over);
    }
    // The fuzz reached answers of every kind, not only early rejections.
    expect(statuses.get(200)).toBeGreaterThan(20);
    expect(statuses.get(400)).toBeGreaterThan(50);
    expect(statuses.get(409)).toBeGreaterThan(10);
  });
});
