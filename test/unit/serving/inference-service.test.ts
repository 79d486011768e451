import { describe, expect, it } from 'vitest';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { HttpRequest } from '../../../core/api/index.js';
import type { ServingAliases } from '../../../lambdas/serving/inference/alias-cache.js';
import { createApiGatewayHandler } from '../../../lambdas/serving/inference/apigw.js';
import { createInferenceService, type PredictionOutcome } from '../../../lambdas/serving/inference/service.js';
import { expectedLinear, makeBars, MemoryArtifacts, testAdapter, testConfig } from './fixtures.js';
import type { ApiAnswer } from '../../support/api-answer.js';

const config = testConfig();

function setup(initial: Record<string, ServingAliases> = {}) {
  const artifacts = new MemoryArtifacts();
  const registry: Record<string, ServingAliases> = { ...initial };
  let clock = 1_000_000;
  let registryReads = 0;
  let registryDown = false;
  const outcomes: PredictionOutcome[] = [];
  const service = createInferenceService({
    config,
    getServingAliases: async (key) => {
      registryReads += 1;
      if (registryDown) throw new Error('registry unavailable');
      return registry[key] ?? {};
    },
    readArtifact: artifacts.read,
    createAdapter: testAdapter,
    now: () => clock,
    onOutcome: (o) => outcomes.push(o),
  });
  return {
    service,
    artifacts,
    registry,
    outcomes,
    advance: (ms: number) => (clock += ms),
    registryReads: () => registryReads,
    setRegistryDown: (down: boolean) => (registryDown = down),
  };
}

let seq = 0;
function post(body: unknown, headers: Record<string, string> = {}): HttpRequest {
  return {
    method: 'POST',
    path: '/v1/predict',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    requestId: `req-${++seq}`,
  };
}
const get = (path: string): HttpRequest => ({
  method: 'GET',
  path,
  headers: {},
  body: null,
  requestId: `req-${++seq}`,
});
const parse = (res: { body: string }) => JSON.parse(res.body) as ApiAnswer;

describe('inference service', () => {
  it('predicts with onnxruntime from raw bars and names the version and alias', async () => {
    const t = setup();
    const v1 = t.artifacts.addLinearVersion('AAPL#1h', 1, { weight: 0.5, bias: 0.25, mean: 0.0001, std: 0.01 });
    t.registry['AAPL#1h'] = { production: v1.ref };
    const bars = makeBars(30, 7);
    const res = await t.service.handle(post({ symbol: 'AAPL', timeframe: '1h', bars }));
    expect(res.statusCode).toBe(200);
    const body = parse(res);
    expect(body).toMatchObject({
      modelVersion: 1,
      alias: 'production',
      symbol: 'AAPL',
      timeframe: '1h',
      target: 'next-bar log return',
    });
    expect(body.prediction).toBeCloseTo(expectedLinear(bars, v1.meta, 0.5, 0.25), 4);
    expect(body.asOf).toBe(bars[29]!.t);
    expect(res.headers['x-model-version']).toBe('1');
    expect(t.outcomes).toEqual([
      expect.objectContaining({ key: 'AAPL#1h', alias: 'production', version: 1, ok: true }),
    ]);
  });

  it('answers 503 no_model_serving for a valid config without a model, and keeps serving others', async () => {
    const t = setup();
    t.registry['AAPL#1h'] = { production: t.artifacts.addLinearVersion('AAPL#1h', 1, { weight: 1, bias: 0 }).ref };
    const none = await t.service.handle(post({ symbol: 'MSFT', timeframe: '1d', bars: makeBars(20) }));
    expect(none.statusCode).toBe(503);
    expect(parse(none).error).toMatchObject({ code: 'no_model_serving' });
    expect(parse(none).error.message).toContain('MSFT#1d');
    const ok = await t.service.handle(post({ symbol: 'AAPL', timeframe: '1h', bars: makeBars(20) }));
    expect(ok.statusCode).toBe(200);
  });

  it('never answers bad input with a 5xx, and answers valid requests correctly afterwards', async () => {
    const t = setup();
    const v1 = t.artifacts.addLinearVersion('AAPL#1h', 1, { weight: 2, bias: -1 });
    t.registry['AAPL#1h'] = { production: v1.ref };
    const bars = makeBars(20, 3);
    const good = { symbol: 'AAPL', timeframe: '1h', bars };
    const bad: HttpRequest[] = [
      post('{not json'),
      post('null'),
      post({ ...good, bars: 'many' }),
      post(JSON.stringify(good).replace(/"c":[0-9.]+/, '"c":1e999')),
      post(JSON.stringify(good).replace(/"c":[0-9.]+/, '"c":NaN')),
      post({ ...good, bars: bars.slice(0, 3) }),
      post({ ...good, bars: makeBars(config.inference.maxBars + 5) }),
      post(JSON.stringify({ ...good, pad: 'x'.repeat(config.inference.maxBodyBytes) })),
      post({ ...good, symbol: 'NOPE' }),
      post({ ...good, timeframe: '2h' }),
      { ...post(good), headers: { 'content-type': 'text/csv' } },
      { ...post(good), method: 'GET' },
    ];
    // Enough bars for the API's minimum but not for this model's feature window -> still a 400 naming bars.
    const small = setup();
    small.registry['AAPL#1h'] = {
      production: small.artifacts.addLinearVersion('AAPL#1h', 1, { weight: 1, bias: 0, window: 15 }).ref,
    };
    const windowShort = await small.service.handle(post({ ...good, bars: bars.slice(0, 12) }));
    expect(windowShort.statusCode).toBe(400);
    expect(parse(windowShort).error).toMatchObject({ field: 'bars' });
    expect(parse(windowShort).error.message).toMatch(/feature window/);

    for (const req of bad) {
      const res = await t.service.handle(req);
      const body = parse(res);
      expect(res.statusCode, `${req.body?.slice(0, 40)} -> ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(typeof body.error.code).toBe('string');
      expect(typeof body.error.field).toBe('string');
      expect(body.error.requestId).toBe(req.requestId);
      const after = await t.service.handle(post(good));
      expect(after.statusCode).toBe(200);
      expect(parse(after).prediction).toBeCloseTo(expectedLinear(bars, v1.meta, 2, -1), 3);
    }
  });

  it('caches sessions by sha256 and re-checks aliases only after the TTL', async () => {
    const t = setup();
    const v1 = t.artifacts.addLinearVersion('AAPL#1h', 1, { weight: 1, bias: 0 });
    const v2 = t.artifacts.addLinearVersion('AAPL#1h', 2, { weight: 1, bias: 10 });
    t.registry['AAPL#1h'] = { production: v1.ref };
    const req = { symbol: 'AAPL', timeframe: '1h', bars: makeBars(20) };
    for (let i = 0; i < 5; i++) expect(parse(await t.service.handle(post(req))).modelVersion).toBe(1);
    expect(t.registryReads()).toBe(1);
    expect(t.artifacts.reads).toBe(2); // model.onnx + metadata.json, once

    t.registry['AAPL#1h'] = { production: v2.ref }; // promoted in the registry
    t.advance(config.inference.aliasTtlSeconds * 1000 - 1);
    expect(parse(await t.service.handle(post(req))).modelVersion).toBe(1);
    t.advance(2);
    const after = parse(await t.service.handle(post(req)));
    expect(after.modelVersion).toBe(2);
    expect(after.prediction - parse(await t.service.handle(post(req))).prediction).toBeCloseTo(0, 6);
    expect(t.registryReads()).toBe(2);
  });

  it('shares one load between concurrent first requests', async () => {
    const t = setup();
    t.registry['AAPL#1h'] = { production: t.artifacts.addLinearVersion('AAPL#1h', 1, { weight: 1, bias: 0 }).ref };
    const req = { symbol: 'AAPL', timeframe: '1h', bars: makeBars(20) };
    const all = await Promise.all(Array.from({ length: 10 }, () => t.service.handle(post(req))));
    expect(all.every((r) => r.statusCode === 200)).toBe(true);
    expect(t.artifacts.reads).toBe(2);
    expect(t.registryReads()).toBe(1);
  });

  it('refuses an artifact whose sha256 differs from the registry, with a 503 and no crash', async () => {
    const t = setup();
    const v1 = t.artifacts.addLinearVersion('AAPL#1h', 1, { weight: 1, bias: 0 });
    t.registry['AAPL#1h'] = { production: { ...v1.ref, sha256: 'f'.repeat(64) } };
    const res = await t.service.handle(post({ symbol: 'AAPL', timeframe: '1h', bars: makeBars(20) }));
    expect(res.statusCode).toBe(503);
    expect(parse(res).error.code).toBe('model_unavailable');
    const health = await t.service.handle(get('/health'));
    expect(health.statusCode).toBe(503);
    // The failure is remembered for a while: a bad artifact is not downloaded again on every request.
    const reads = t.artifacts.reads;
    await t.service.handle(post({ symbol: 'AAPL', timeframe: '1h', bars: makeBars(20) }));
    expect(t.artifacts.reads).toBe(reads);
    t.advance(31_000);
    await t.service.handle(post({ symbol: 'AAPL', timeframe: '1h', bars: makeBars(20) }));
    expect(t.artifacts.reads).toBe(reads + 2);
  });

  it('routes canary traffic deterministically and in proportion to the weight', async () => {
    const t = setup();
    const prod = t.artifacts.addLinearVersion('AAPL#1h', 1, { weight: 1, bias: 0 });
    const can = t.artifacts.addLinearVersion('AAPL#1h', 2, { weight: 1, bias: 5 });
    t.registry['AAPL#1h'] = { production: prod.ref, canary: { ...can.ref, weight: 0.25 } };
    const req = { symbol: 'AAPL', timeframe: '1h', bars: makeBars(20) };
    const n = 400;
    const seen: string[] = [];
    for (let i = 0; i < n; i++)
      seen.push(parse(await t.service.handle(post(req, { 'x-request-id': `client-${i}` }))).alias);
    const canaryShare = seen.filter((a) => a === 'canary').length / n;
    expect(canaryShare).toBeGreaterThan(0.25 - 5 * Math.sqrt((0.25 * 0.75) / n));
    expect(canaryShare).toBeLessThan(0.25 + 5 * Math.sqrt((0.25 * 0.75) / n));
    for (let i = 0; i < 50; i++)
      expect(parse(await t.service.handle(post(req, { 'x-request-id': `client-${i}` }))).alias).toBe(seen[i]);
    // Without an id the bars decide, so an identical body always reaches the same alias.
    const byBody = new Set<string>();
    for (let i = 0; i < 5; i++) byBody.add(parse(await t.service.handle(post(req))).alias);
    expect(byBody.size).toBe(1);
    const stats = t.service.stats();
    expect(stats['AAPL#1h|canary|2']!.requests + stats['AAPL#1h|production|1']!.requests).toBe(n + 55);
  });

  it('falls back to production when the canary cannot be loaded', async () => {
    const t = setup();
    const prod = t.artifacts.addLinearVersion('AAPL#1h', 1, { weight: 1, bias: 0 });
    t.registry['AAPL#1h'] = {
      production: prod.ref,
      canary: {
        version: 2,
        weight: 1,
        artifactUri: 'mem://missing/model.onnx',
        metadataUri: 'mem://missing/metadata.json',
        sha256: 'a'.repeat(64),
      },
    };
    const res = await t.service.handle(post({ symbol: 'AAPL', timeframe: '1h', bars: makeBars(20) }));
    expect(res.statusCode).toBe(200);
    expect(parse(res)).toMatchObject({ alias: 'production', modelVersion: 1 });
    expect(t.service.stats()['AAPL#1h|canary|2']).toEqual({ requests: 1, errors: 1 });
  });

  it('keeps serving the last known aliases when the registry becomes unreadable', async () => {
    const t = setup();
    t.registry['AAPL#1h'] = { production: t.artifacts.addLinearVersion('AAPL#1h', 1, { weight: 1, bias: 0 }).ref };
    const req = { symbol: 'AAPL', timeframe: '1h', bars: makeBars(20) };
    expect((await t.service.handle(post(req))).statusCode).toBe(200);
    t.setRegistryDown(true);
    t.advance(config.inference.aliasTtlSeconds * 1000 + 1);
    expect((await t.service.handle(post(req))).statusCode).toBe(200);
    const cold = await t.service.handle(post({ ...req, symbol: 'MSFT' }));
    expect(cold.statusCode).toBe(503);
    expect(parse(cold).error.code).toBe('model_unavailable');
  });

  it('reports health 503 before any model is served and 200 with modelsServing after', async () => {
    const t = setup();
    const before = await t.service.handle(get('/health'));
    expect(before.statusCode).toBe(503);
    expect(parse(before)).toMatchObject({ status: 'unavailable', modelsServing: 0, configsTotal: 4 });

    const v1 = t.artifacts.addLinearVersion('AAPL#1h', 1, { weight: 1, bias: 0 });
    const v2 = t.artifacts.addLinearVersion('AAPL#1h', 2, { weight: 2, bias: 0 });
    t.registry['AAPL#1h'] = { production: v1.ref, canary: { ...v2.ref, weight: 0.1 } };
    // Within the TTL the health check does not hammer the registry; after it, it warms up and finds both.
    expect((await t.service.handle(get('/health'))).statusCode).toBe(503);
    t.advance(config.inference.aliasTtlSeconds * 1000);
    const after = await t.service.handle(get('/health'));
    expect(after.statusCode).toBe(200);
    expect(parse(after)).toMatchObject({ status: 'ok', modelsServing: 2, configsServing: 1, configsTotal: 4 });
  });

  it('serves the OpenAPI document and answers unknown routes with a JSON 404', async () => {
    const t = setup();
    const doc = await t.service.handle(get('/openapi.json'));
    expect(doc.statusCode).toBe(200);
    expect((JSON.parse(doc.body) as { openapi: string }).openapi).toBe('3.1.0');
    const missing = await t.service.handle(get('/v2/predict'));
    expect(missing.statusCode).toBe(404);
    expect(parse(missing).error).toMatchObject({ code: 'not_found', field: 'path' });
    const wrongMethod = await t.service.handle({ ...get('/health'), method: 'DELETE' });
    expect(wrongMethod.statusCode).toBe(405);
  });

  it('works behind the API Gateway proxy adapter with mixed-case headers', async () => {
    const t = setup();
    t.registry['MSFT#1d'] = { production: t.artifacts.addLinearVersion('MSFT#1d', 7, { weight: 1, bias: 0 }).ref };
    const handler = createApiGatewayHandler(t.service);
    const event = {
      httpMethod: 'POST',
      path: '/v1/predict',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ symbol: 'MSFT', timeframe: '1d', bars: makeBars(20) }),
      isBase64Encoded: false,
      requestContext: { requestId: 'apigw-1' },
    } as unknown as APIGatewayProxyEvent;
    const res = await handler(event);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ modelVersion: 7, requestId: 'apigw-1' });
  });
});

describe('API Gateway adapter', () => {
  it('answers a JSON 503 when the service cannot be built (e.g. missing environment)', async () => {
    const handler = createApiGatewayHandler(async () => {
      throw new Error('REGISTRY_TABLE is not set');
    });
    const res = await handler({
      httpMethod: 'GET',
      path: '/health',
      headers: {},
      body: null,
      isBase64Encoded: false,
      requestContext: { requestId: 'x' },
    } as unknown as APIGatewayProxyEvent);
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'model_unavailable', requestId: 'x' });
  });
});
