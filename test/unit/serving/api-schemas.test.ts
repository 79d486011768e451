import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ApiError,
  buildOpenApiDocument,
  createAnyPredictRequestParser,
  createBatchRequestParser,
  createFastAccept,
  createPredictRequestParser,
  fieldPath,
  predictRequestSchema,
  type HttpRequest,
} from '../../../core/api/index.js';
import { makeBars, testConfig } from './fixtures.js';

const config = testConfig();
const parse = createPredictRequestParser(config);

function request(body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): HttpRequest {
  return {
    method: 'POST',
    path: '/v1/predict',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    requestId: 'r1',
  };
}

function rejection(req: HttpRequest): ApiError {
  try {
    parse(req);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the request to be rejected');
}

const valid = () => ({ symbol: 'AAPL', timeframe: '1h', bars: makeBars(20) });

describe('predict request validation', () => {
  it('accepts a well-formed request, with ISO or epoch-millisecond times', () => {
    expect(parse(request(valid())).bars).toHaveLength(20);
    const epoch = { ...valid(), bars: makeBars(20).map((b, i) => ({ ...b, t: 1_700_000_000_000 + i * 60_000 })) };
    expect(parse(request(epoch)).bars[0]!.t).toBe(1_700_000_000_000);
    expect(parse(request(valid(), { 'content-type': 'application/json; charset=utf-8' })).symbol).toBe('AAPL');
  });

  it.each([
    ['malformed JSON', '{"symbol": "AAPL", "bars": [', 400, 'invalid_json', 'body'],
    ['an empty body', '', 400, 'invalid_json', 'body'],
    ['a JSON array body', '[1,2]', 400, 'invalid_request', 'body'],
    ['a number where an object is expected', { ...valid(), bars: 5 }, 400, 'invalid_request', 'bars'],
    [
      'a string price',
      { ...valid(), bars: valid().bars.map((b, i) => (i === 3 ? { ...b, c: '101.5' } : b)) },
      400,
      'invalid_request',
      'bars[3].c',
    ],
    [
      'a missing volume',
      { ...valid(), bars: valid().bars.map((b, i) => (i === 2 ? { ...b, v: undefined } : b)) },
      400,
      'invalid_request',
      'bars[2].v',
    ],
    [
      'Infinity (1e999 parses to it)',
      JSON.stringify(valid()).replace(/"v":\d+/, '"v":1e999'),
      400,
      'invalid_request',
      'bars[0].v',
    ],
    ['NaN as a bare token', JSON.stringify(valid()).replace(/"v":\d+/, '"v":NaN'), 400, 'invalid_json', 'body'],
    [
      'NaN as a string',
      { ...valid(), bars: valid().bars.map((b, i) => (i === 0 ? { ...b, o: 'NaN' } : b)) },
      400,
      'invalid_request',
      'bars[0].o',
    ],
    [
      'a negative price',
      { ...valid(), bars: valid().bars.map((b, i) => (i === 4 ? { ...b, l: -1 } : b)) },
      400,
      'invalid_request',
      'bars[4].l',
    ],
    [
      'high below low',
      { ...valid(), bars: valid().bars.map((b, i) => (i === 5 ? { ...b, h: b.l * 0.5 } : b)) },
      400,
      'invalid_request',
      'bars[5].h',
    ],
    [
      'unordered times',
      { ...valid(), bars: valid().bars.map((b, i, all) => (i === 6 ? { ...b, t: all[2]!.t } : b)) },
      400,
      'invalid_request',
      'bars[6].t',
    ],
    [
      'a bad timestamp',
      { ...valid(), bars: valid().bars.map((b, i) => (i === 1 ? { ...b, t: 'yesterday' } : b)) },
      400,
      'invalid_request',
      'bars[1].t',
    ],
    ['too few bars', { ...valid(), bars: makeBars(config.inference.minBars - 1) }, 400, 'invalid_request', 'bars'],
    ['too many bars', { ...valid(), bars: makeBars(config.inference.maxBars + 1) }, 400, 'invalid_request', 'bars'],
    ['an unknown symbol', { ...valid(), symbol: 'ZZZZ' }, 400, 'invalid_request', 'symbol'],
    ['a lower-case symbol', { ...valid(), symbol: 'aapl' }, 400, 'invalid_request', 'symbol'],
    ['an unknown timeframe', { ...valid(), timeframe: '5m' }, 400, 'invalid_request', 'timeframe'],
    ['a timeframe outside the served universe', { ...valid(), timeframe: '4h' }, 400, 'invalid_request', 'timeframe'],
    ['a missing symbol', { timeframe: '1h', bars: makeBars(20) }, 400, 'invalid_request', 'symbol'],
  ])('rejects %s with a 4xx naming the field', (_name, body, status, code, field) => {
    const err = rejection(request(body));
    expect(err.status).toBe(status);
    expect(err.code).toBe(code);
    expect(err.field).toBe(field);
    expect(err.message.length).toBeGreaterThan(5);
  });

  it('rejects a body over maxBodyBytes with 413 before parsing it', () => {
    const body = JSON.stringify({ ...valid(), padding: 'x'.repeat(config.inference.maxBodyBytes) });
    const err = rejection(request(body));
    expect([err.status, err.code, err.field]).toEqual([413, 'payload_too_large', 'body']);
  });

  it('counts multi-byte characters as bytes, not as string length', () => {
    const pad = 'é'.repeat(Math.ceil(config.inference.maxBodyBytes / 2) - 300);
    const body = JSON.stringify({ ...valid(), bars: makeBars(10), padding: pad });
    expect(body.length).toBeLessThan(config.inference.maxBodyBytes);
    expect(rejection(request(body)).status).toBe(413);
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form encoding', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no content type', {} as Record<string, string>],
  ])('rejects %s with 415 naming content-type', (_name, headers) => {
    const err = rejection(request(valid(), headers));
    expect([err.status, err.code, err.field]).toEqual([415, 'unsupported_media_type', 'content-type']);
  });

  it('decodes base64 bodies the gateway marks as such', () => {
    const req = {
      ...request(valid()),
      body: Buffer.from(JSON.stringify(valid())).toString('base64'),
      isBase64Encoded: true,
    };
    expect(parse(req).timeframe).toBe('1h');
  });

  it('formats nested paths the way clients address them', () => {
    expect(fieldPath(['bars', 12, 'c'])).toBe('bars[12].c');
    expect(fieldPath([])).toBe('body');
  });
});

/** The parts of a generated JSON Schema these tests read (each schema has those its kind has). */
interface JsonSchema {
  type: string;
  required: string[];
  additionalProperties: unknown;
  enum: unknown[];
  properties: Record<string, JsonSchema>;
  items: JsonSchema;
  anyOf: JsonSchema[];
  oneOf: JsonSchema[];
}

describe('OpenAPI document', () => {
  // The generated document, as far as these tests read it.
  const doc = buildOpenApiDocument(config) as unknown as {
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        { responses: Record<string, unknown>; requestBody: { content: Record<string, { schema: JsonSchema }> } }
      >
    >;
    components: { schemas: Record<string, JsonSchema> };
  };

  it('is OpenAPI 3.1 with the four routes; predict takes either form and documents the 409s', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(['/health', '/openapi.json', '/v1/predict', '/v1/predict/batch']);
    expect(Object.keys(doc.paths['/v1/predict']!.post!.responses)).toEqual(
      expect.arrayContaining(['200', '400', '409', '413', '415', '503']),
    );
    const body = doc.paths['/v1/predict']!.post!.requestBody.content['application/json']!.schema;
    expect(body.oneOf).toEqual([
      { $ref: '#/components/schemas/OnlinePredictRequest' },
      { $ref: '#/components/schemas/PredictRequest' },
    ]);
    const online = doc.components.schemas.OnlinePredictRequest as { required: string[]; additionalProperties: unknown };
    expect(online.required).toEqual(['symbol', 'timeframe']);
    expect(online.additionalProperties).toBe(false);
    const batch = doc.components.schemas.BatchPredictRequest!;
    expect(batch.properties.requests).toMatchObject({ minItems: 1, maxItems: 100 });
    expect(batch.properties.requests!.items.anyOf).toHaveLength(2);
    const err = doc.components.schemas.ErrorResponse!.properties.error!.properties;
    expect(Object.keys(err)).toEqual(
      expect.arrayContaining(['missingBars', 'asOf', 'featureAgeSeconds', 'staleAfterSeconds', 'status']),
    );
    expect(err.code!.enum).toEqual(expect.arrayContaining(['window_incomplete', 'window_stale']));
  });

  it('carries the request schema generated from zod, with the config limits and universe', () => {
    const req = doc.components.schemas.PredictRequest!;
    expect(req.required).toEqual(['symbol', 'timeframe', 'bars']);
    expect(req.properties.symbol!.enum).toEqual(config.universe.symbols);
    expect(req.properties.timeframe!.enum).toEqual(config.universe.timeframes);
    expect(req.properties.bars).toMatchObject({
      minItems: config.inference.minBars,
      maxItems: config.inference.maxBars,
      items: { $ref: '#/components/schemas/Bar' },
    });
    expect(doc.components.schemas.Bar!.required).toEqual(['t', 'o', 'h', 'l', 'c', 'v']);
  });

  it('matches what zod itself generates for the request schema', () => {
    const direct = z.toJSONSchema(predictRequestSchema(config), { io: 'input' }) as {
      properties: Record<string, unknown>;
    };
    const fromDoc = doc.components.schemas.PredictRequest!;
    expect(fromDoc.properties.symbol).toEqual(direct.properties.symbol);
    expect(Object.keys(fromDoc.properties)).toEqual(Object.keys(direct.properties));
  });

  it('describes responses and errors, and every $ref resolves', () => {
    expect(Object.keys(doc.components.schemas).sort()).toEqual([
      'Bar',
      'BatchPredictRequest',
      'BatchPredictResponse',
      'ErrorResponse',
      'HealthResponse',
      'OnlinePredictRequest',
      'PredictRequest',
      'PredictResponse',
      'SentimentPoint',
    ]);
    const resp = doc.components.schemas.PredictResponse as { required: string[] };
    expect(resp.required).toEqual(expect.arrayContaining(['prediction', 'modelVersion', 'alias']));
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(4);
    for (const ref of refs) {
      const name = ref.replace(/^"\$ref":"#\/components\/schemas\//, '').replace(/"$/, '');
      expect(doc.components.schemas[name], ref).toBeDefined();
    }
  });
});

describe('API Gateway request model', () => {
  it('is draft-04 JSON Schema generated from the same zod schema, with no references', async () => {
    const { predictRequestJsonSchemaDraft4 } = await import('../../../core/api/index.js');
    const both = predictRequestJsonSchemaDraft4(config) as unknown as JsonSchema;
    const [online, schema] = both.anyOf as [JsonSchema, JsonSchema];
    expect(online).toMatchObject({ type: 'object', required: ['symbol', 'timeframe'], additionalProperties: false });
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(['symbol', 'timeframe', 'bars']);
    expect(schema.properties.bars).toMatchObject({
      minItems: config.inference.minBars,
      maxItems: config.inference.maxBars,
    });
    expect(schema.properties.bars!.items.required).toEqual(['t', 'o', 'h', 'l', 'c', 'v']);
    expect(JSON.stringify(both)).not.toContain('$ref');
    expect(JSON.stringify(both)).not.toContain('$schema');
  });

  it('checks only the batch envelope, so one bad item cannot fail the call at the gateway', async () => {
    const { batchEnvelopeJsonSchemaDraft4 } = await import('../../../core/api/index.js');
    const schema = batchEnvelopeJsonSchemaDraft4();
    expect(schema).toMatchObject({
      type: 'object',
      required: ['requests'],
      properties: { requests: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'object' } } },
    });
    expect(JSON.stringify(schema)).not.toContain('$ref');
  });
});

describe('fast accept path', () => {
  const fast = (json: unknown) => createFastAccept(config)(json);
  const schema = predictRequestSchema(config);

  it('accepts a well-formed request without zod and returns the same data zod would', () => {
    const body = valid();
    const accepted = fast(JSON.parse(JSON.stringify(body)));
    expect(accepted).toBeDefined();
    expect(accepted).toEqual(schema.parse(JSON.parse(JSON.stringify(body))));
  });

  it('never accepts what the zod schema rejects (fuzzed mutations)', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const weird: unknown[] = [
      0,
      -1,
      1e-300,
      1e308,
      'x',
      '1',
      '',
      null,
      true,
      [],
      {},
      1.5,
      2 ** 53,
      -0,
      '2024-02-30T00:00:00Z',
      '2024-01-01T00:00:00Z',
      '2024-01-01',
      1_700_000_000_000,
    ];
    let accepted = 0;
    let rejected = 0;
    for (let n = 0; n < 3000; n++) {
      // A body being mutated: any field may become any JSON value.
      const body = JSON.parse(JSON.stringify({ ...valid(), bars: makeBars(10 + Math.floor(rnd() * 45), n) })) as Record<
        string,
        unknown
      >;
      const mutations = Math.floor(rnd() * 3);
      for (let m = 0; m < mutations; m++) {
        const where = rnd();
        if (where < 0.1) body.symbol = pick(['AAPL', 'MSFT', 'ZZZ', 'aapl', 1, null]);
        else if (where < 0.2) body.timeframe = pick(['1h', '1d', '4h', '5m', 1]);
        else if (where < 0.25) body.sentiment = pick([[], null, [{ t: 1, score: 2 }]]);
        else if (where < 0.3)
          body.bars = pick([[], null, 'bars', Array.isArray(body.bars) ? body.bars.slice(0, 3) : []]);
        else if (Array.isArray(body.bars) && body.bars.length > 0) {
          const i = Math.floor(rnd() * body.bars.length);
          const field = pick(['t', 'o', 'h', 'l', 'c', 'v', 'extra']);
          if (rnd() < 0.1) body.bars[i] = pick([null, 1, [], 'bar']);
          else body.bars[i][field] = pick(weird);
        }
      }
      const viaFast = fast(body);
      const viaZod = schema.safeParse(body).success;
      if (viaFast) {
        accepted += 1;
        expect(viaZod, JSON.stringify(body).slice(0, 300)).toBe(true);
      } else if (!viaZod) rejected += 1;
    }
    // Both outcomes occur often enough for the property to mean something.
    expect(accepted).toBeGreaterThan(300);
    expect(rejected).toBeGreaterThan(300);
  });
});

describe('the short form and the batch envelope', () => {
  const parseAny = createAnyPredictRequestParser(config);
  const parseBatch = createBatchRequestParser(config);
  const rejected = (fn: () => unknown): ApiError => {
    try {
      fn();
    } catch (err) {
      if (err instanceof ApiError) return err;
      throw err;
    }
    throw new Error('expected a rejection');
  };

  it('a body without bars is the short form; with bars, the bars form', () => {
    expect(parseAny(request({ symbol: 'AAPL', timeframe: '1h' }))).toEqual({ symbol: 'AAPL', timeframe: '1h' });
    expect((parseAny(request(valid())) as { bars: unknown[] }).bars).toHaveLength(20);
  });

  it.each([
    ['an unknown symbol', { symbol: 'ZZZ', timeframe: '1h' }, 'symbol'],
    ['a missing timeframe', { symbol: 'AAPL' }, 'timeframe'],
    ['sentiment without bars', { symbol: 'AAPL', timeframe: '1h', sentiment: [] }, 'body'],
    ['bars: null (still the bars form)', { symbol: 'AAPL', timeframe: '1h', bars: null }, 'bars'],
  ])('rejects %s with a 400 naming the field', (_name, body, field) => {
    const err = rejected(() => parseAny(request(body)));
    expect(err.status).toBe(400);
    expect(err.field).toBe(field);
  });

  it('a bad envelope fails the call; a bad item is that item error, in place', () => {
    for (const body of [
      {},
      { requests: [] },
      { requests: Array.from({ length: 101 }, () => ({ symbol: 'AAPL', timeframe: '1h' })) },
      { requests: 'x' },
    ]) {
      expect(rejected(() => parseBatch(request(body))).field).toBe('requests');
    }
    const items = parseBatch(
      request({ requests: [{ symbol: 'AAPL', timeframe: '1h' }, { symbol: 'NOPE', timeframe: '1h' }, valid()] }),
    );
    expect(items[0]).toEqual({ symbol: 'AAPL', timeframe: '1h' });
    expect(items[1]).toBeInstanceOf(ApiError);
    expect((items[1] as ApiError).field).toBe('requests[1].symbol');
    expect((items[2] as { bars: unknown[] }).bars).toHaveLength(20);
  });
});
