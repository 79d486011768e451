import { afterEach, describe, expect, it, vi } from 'vitest';
import { SERVING_METRICS } from '../../../core/registry/live-metrics.js';
import { emfRecords } from '../../support/emf.js';

describe('inference Lambda metrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('publishes one EMF record per outcome with the dimensions the canary bake queries', async () => {
    const { recordOutcome } = await import('../../../lambdas/serving/inference.handler.js');
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    recordOutcome({ key: 'AAPL#1h', alias: 'canary', version: 2, ok: false, latencyMs: 0 });
    recordOutcome({ key: 'AAPL#1h', alias: 'production', version: 1, ok: true, latencyMs: 0.2 });
    vi.restoreAllMocks();
    const records = emfRecords(lines);
    expect(records).toHaveLength(2);
    expect(records[0]!._aws.CloudWatchMetrics[0]!.Namespace).toBe(SERVING_METRICS.namespace);
    expect(records[0]!._aws.CloudWatchMetrics[0]!.Dimensions[0]).toEqual(
      expect.arrayContaining(['ModelKey', 'Alias', 'ModelVersion']),
    );
    expect(records[0]).toMatchObject({
      ModelKey: 'AAPL#1h',
      Alias: 'canary',
      ModelVersion: '2',
      Predictions: 1,
      PredictionErrors: 1,
    });
    expect(records[1]).toMatchObject({
      ModelKey: 'AAPL#1h',
      Alias: 'production',
      ModelVersion: '1',
      Predictions: 1,
      PredictionErrors: 0,
    });
  });
});
