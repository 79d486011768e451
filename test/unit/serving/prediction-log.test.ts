import { describe, expect, it } from 'vitest';
import type { HttpRequest } from '../../../core/api/index.js';
import { predictionRecordSchema, type PredictionRecord } from '../../../core/live/index.js';
import type { ServingAliases } from '../../../lambdas/serving/inference/alias-cache.js';
import { logLineSink } from '../../../lambdas/serving/inference/prediction-log.js';
import { createInferenceService } from '../../../lambdas/serving/inference/service.js';
import { makeBars, MemoryArtifacts, testAdapter, testConfig } from './fixtures.js';

function setup(mode: 'canary' | 'shadow') {
  const config = testConfig({ deployment: { mode } });
  const artifacts = new MemoryArtifacts();
  const registry: Record<string, ServingAliases> = {};
  const records: PredictionRecord[] = [];
  const service = createInferenceService({
    config,
    getServingAliases: async (key) => registry[key] ?? {},
    readArtifact: artifacts.read,
    createAdapter: testAdapter,
    onPrediction: (r) => records.push(predictionRecordSchema.parse(r)),
  });
  const v1 = artifacts.addLinearVersion('AAPL#1h', 1, { weight: 0.5, bias: 0.25 });
  const v2 = artifacts.addLinearVersion('AAPL#1h', 2, { weight: -3, bias: 1 });
  registry['AAPL#1h'] = { production: v1.ref, canary: { ...v2.ref, weight: 0.5 } };
  return { service, records };
}

let seq = 0;
const post = (bars: unknown, id = `req-${++seq}`): HttpRequest => ({
  method: 'POST',
  path: '/v1/predict',
  headers: { 'content-type': 'application/json', 'x-request-id': id },
  body: JSON.stringify({ symbol: 'AAPL', timeframe: '1h', bars }),
  requestId: id,
});

describe('prediction log from the inference service', () => {
  it('records every answered prediction once, with version, variant, asOf, target bar and feature-spec hash', async () => {
    const t = setup('canary');
    const bars = makeBars(30, 3);
    const answers = [];
    for (let i = 0; i < 40; i++) answers.push(JSON.parse((await t.service.handle(post(bars))).body));
    expect(t.records).toHaveLength(40);
    const variants = new Set(t.records.map((r) => r.variant));
    expect(variants).toEqual(new Set(['production', 'canary']));
    for (const [i, r] of t.records.entries()) {
      expect(r).toMatchObject({
        key: 'AAPL#1h',
        version: answers[i].modelVersion,
        variant: answers[i].alias,
        prediction: answers[i].prediction,
        asOf: answers[i].asOf,
      });
      expect(Date.parse(r.targetTime) - Date.parse(r.asOf)).toBe(3_600_000);
    }
  });

  it('shadow mode answers with production only, and logs the candidate beside it under the same request id', async () => {
    const t = setup('shadow');
    const bars = makeBars(30, 4);
    for (let i = 0; i < 20; i++) {
      const body = JSON.parse((await t.service.handle(post(bars))).body);
      expect(body).toMatchObject({ alias: 'production', modelVersion: 1 });
    }
    const prod = t.records.filter((r) => r.variant === 'production');
    const shadow = t.records.filter((r) => r.variant === 'shadow');
    expect(prod).toHaveLength(20);
    expect(shadow).toHaveLength(20);
    expect(shadow.map((r) => r.requestId)).toEqual(prod.map((r) => r.requestId));
    expect(shadow.every((r) => r.version === 2)).toBe(true);
    expect(shadow[0]!.prediction).not.toBe(prod[0]!.prediction);
  });

  it('the log-line sink writes one JSON line per record and counts a record it cannot write', () => {
    const lines: string[] = [];
    let lost = 0;
    const ok = logLineSink(
      (l) => lines.push(l),
      () => (lost += 1),
    );
    const record: PredictionRecord = {
      kind: 'prediction',
      requestId: 'a',
      key: 'AAPL#1h',
      version: 1,
      variant: 'production',
      asOf: '2026-01-01T00:00:00.000Z',
      targetTime: '2026-01-01T01:00:00.000Z',
      prediction: 0.1,
      featureSpecHash: '0123456789abcdef',
      loggedAt: '2026-01-01T00:00:01.000Z',
    };
    ok(record);
    expect(JSON.parse(lines[0]!)).toEqual(record);
    logLineSink(
      () => {
        throw new Error('EPIPE');
      },
      () => (lost += 1),
    )(record);
    expect(lost).toBe(1);
  });
});
