import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createApiGatewayHandler } from '../../../lambdas/serving/inference/apigw.js';
import { createInferenceService } from '../../../lambdas/serving/inference/service.js';
import type { ServingAliases } from '../../../core/registry/index.js';
import { startLocalApi, type LocalApi } from '../../../local/http/server.js';
import { expectedLinear, makeBars, MemoryArtifacts, testAdapter, testConfig } from './fixtures.js';
import type { ApiAnswer } from '../../support/api-answer.js';

const config = testConfig();
const artifacts = new MemoryArtifacts();
const v3 = artifacts.addLinearVersion('AAPL#1h', 3, { weight: 0.3, bias: 0.1 });
const registry: Record<string, ServingAliases> = { 'AAPL#1h': { production: v3.ref } };
const events: APIGatewayProxyEvent[] = [];
let api: LocalApi;

beforeAll(async () => {
  const service = createInferenceService({
    config,
    getServingAliases: async (key) => registry[key] ?? {},
    readArtifact: artifacts.read,
    createAdapter: testAdapter,
  });
  const inner = createApiGatewayHandler(service);
  api = await startLocalApi({
    port: 0,
    handler: async (event) => {
      events.push(event);
      return inner(event);
    },
  });
});
afterAll(async () => api?.close());

/** Raw node:http so the test controls headers exactly (fetch adds its own content type). */
function call(
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // The OpenAPI document is served too: its paths are all a test reads of it.
  json: ApiAnswer & { paths: Record<string, unknown> };
}> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${api.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

const json = { 'content-type': 'application/json' };
const bars = makeBars(25, 11);
const good = JSON.stringify({ symbol: 'AAPL', timeframe: '1h', bars });

describe('local HTTP server', () => {
  it('binds loopback on a free port', () => {
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(api.port).toBeGreaterThan(0);
  });

  it('serves POST /v1/predict through an API Gateway v1 proxy event', async () => {
    const res = await call('POST', '/v1/predict', good, { ...json, 'X-Request-Id': 'abc' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ modelVersion: 3, alias: 'production' });
    expect(res.json.prediction).toBeCloseTo(expectedLinear(bars, v3.meta, 0.3, 0.1), 4);
    const event = events.at(-1)!;
    expect(event).toMatchObject({
      httpMethod: 'POST',
      path: '/v1/predict',
      resource: '/{proxy+}',
      isBase64Encoded: false,
      pathParameters: { proxy: 'v1/predict' },
    });
    expect(event.headers['X-Request-Id']).toBe('abc');
    expect(event.requestContext.stage).toBe('local');
    expect(typeof event.requestContext.requestId).toBe('string');
  });

  it('serves /health and /openapi.json', async () => {
    const health = await call('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.json.modelsServing).toBe(1);
    const doc = await call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.json.paths)).toContain('/v1/predict');
    const q = await call('GET', '/health?verbose=1');
    expect(events.at(-1)!.queryStringParameters).toEqual({ verbose: '1' });
    expect(q.status).toBe(200);
  });

  it('answers bad input over the wire with 4xx JSON errors and keeps serving', async () => {
    const cases: [string, string | Buffer, Record<string, string>, number, string][] = [
      ['malformed JSON', '{"symbol":', json, 400, 'body'],
      ['wrong type', JSON.stringify({ symbol: 'AAPL', timeframe: '1h', bars: [1, 2] }), json, 400, 'bars[0]'],
      ['Infinity', good.replace(/"o":[0-9.]+/, '"o":1e400'), json, 400, 'bars[0].o'],
      ['unknown symbol', JSON.stringify({ symbol: 'XYZ', timeframe: '1h', bars }), json, 400, 'symbol'],
      ['too few bars', JSON.stringify({ symbol: 'AAPL', timeframe: '1h', bars: bars.slice(0, 2) }), json, 400, 'bars'],
      ['wrong content type', good, { 'content-type': 'text/plain' }, 415, 'content-type'],
      ['oversize body', Buffer.alloc(config.inference.maxBodyBytes + 10, 0x20), json, 413, 'body'],
    ];
    for (const [name, body, headers, status, field] of cases) {
      const res = await call('POST', '/v1/predict', body, headers);
      expect(res.status, name).toBe(status);
      expect(res.json.error.field, name).toBe(field);
      const after = await call('POST', '/v1/predict', good, json);
      expect(after.status, `valid request after ${name}`).toBe(200);
    }
    expect((await call('GET', '/nope')).status).toBe(404);
  });

  it('answers 503 for a valid config with no model', async () => {
    const res = await call('POST', '/v1/predict', JSON.stringify({ symbol: 'MSFT', timeframe: '1d', bars }), json);
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe('no_model_serving');
  });
});
