import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildModelInput } from '../../../core/features/index.js';
import { FeatureInputError } from '../../../lambdas/serving/inference/model-cache.js';
import { metadataInputAdapter } from '../../../lambdas/serving/inference/model-input.js';
import { createInferenceService } from '../../../lambdas/serving/inference/service.js';
import { buildRealModel, type RealModel } from '../../integration/serving/real-model.js';
import { makeBars, MemoryArtifacts, testConfig } from './fixtures.js';

let model: RealModel;
beforeAll(async () => {
  model = await buildRealModel({
    symbol: 'AAPL',
    timeframe: '1h',
    runId: 'unit',
    bars: makeBars(500, 3),
    windowSize: 8,
    hidden: 8,
  });
});

describe('metadata input adapter (shared features + training stats)', () => {
  it('builds exactly the normalised window core/features builds for training', () => {
    const adapter = metadataInputAdapter(model.metadata);
    const bars = makeBars(200, 9); // more than the model's minBars: only the last historyBars + window - 1 count
    const { data, dims } = adapter.buildInput(bars);
    expect(dims).toEqual([1, 8, model.featureSpec.names.length]);
    expect(Array.from(data)).toEqual(Array.from(buildModelInput(bars, model.metadata)));
    expect(adapter).toMatchObject({
      inputName: 'features',
      outputName: 'prediction',
      minBars: model.metadata.minBars,
      declaredSha256: model.sha256,
    });
  });

  it('turns a short or non-finite window into a FeatureInputError (a 4xx upstream)', () => {
    const adapter = metadataInputAdapter(model.metadata);
    expect(() => adapter.buildInput(makeBars(model.metadata.minBars - 1, 9))).toThrow(FeatureInputError);
  });

  it('refuses metadata that does not fit the schema or whose input shape disagrees with its features', () => {
    expect(() => metadataInputAdapter({ ...model.metadata, featureSpec: undefined })).toThrow();
    expect(() =>
      metadataInputAdapter({ ...model.metadata, input: { name: 'features', shape: ['batch', 8, 3] } }),
    ).toThrow(/does not match/);
  });

  it('serves the exported model through the service with the answer of a direct onnxruntime run', async () => {
    const artifacts = new MemoryArtifacts();
    artifacts.put('mem://m/model.onnx', model.onnx);
    artifacts.put('mem://m/metadata.json', JSON.stringify(model.metadata));
    const service = createInferenceService({
      config: testConfig({ inference: { minBars: 10, maxBars: 300, maxBodyBytes: 64 * 1024, aliasTtlSeconds: 30 } }),
      getServingAliases: async () => ({
        production: {
          version: 4,
          artifactUri: 'mem://m/model.onnx',
          metadataUri: 'mem://m/metadata.json',
          sha256: model.sha256,
        },
      }),
      readArtifact: artifacts.read,
      createAdapter: metadataInputAdapter,
    });
    const bars = makeBars(150, 21);
    const res = await service.predict({ symbol: 'AAPL', timeframe: '1h', bars }, { routingKey: 'k' });
    const session = await ort.InferenceSession.create(model.onnx);
    const direct = await session.run({
      features: new ort.Tensor('float32', buildModelInput(bars, model.metadata), [
        1,
        8,
        model.featureSpec.names.length,
      ]),
    });
    await session.release();
    expect(res).toMatchObject({ modelVersion: 4, alias: 'production', target: 'next-bar simple return' });
    expect(res.prediction).toBe(Number(direct.prediction!.data[0]));

    // Enough bars for the API but not for the model's warm-up + window: a 400 naming bars, not a 5xx.
    const short = await service.handle({
      method: 'POST',
      path: '/v1/predict',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbol: 'AAPL', timeframe: '1h', bars: bars.slice(0, model.metadata.minBars - 1) }),
      requestId: 'r',
    });
    expect(short.statusCode).toBe(400);
    expect(JSON.parse(short.body).error.field).toBe('bars');
  });

  it('refuses metadata written for a different model file', async () => {
    const artifacts = new MemoryArtifacts();
    const other = await buildRealModel({
      symbol: 'AAPL',
      timeframe: '1h',
      runId: 'other',
      bars: makeBars(500, 3),
      windowSize: 8,
      hidden: 8,
      seed: 99,
    });
    artifacts.put('mem://m/model.onnx', model.onnx);
    artifacts.put('mem://m/metadata.json', JSON.stringify(other.metadata));
    const service = createInferenceService({
      config: testConfig(),
      getServingAliases: async () => ({
        production: {
          version: 1,
          artifactUri: 'mem://m/model.onnx',
          metadataUri: 'mem://m/metadata.json',
          sha256: model.sha256,
        },
      }),
      readArtifact: artifacts.read,
      createAdapter: metadataInputAdapter,
    });
    const res = await service.handle({
      method: 'POST',
      path: '/v1/predict',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbol: 'AAPL', timeframe: '1h', bars: makeBars(40, 2) }),
      requestId: 'r',
    });
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body).error.code).toBe('model_unavailable');
  });
});
