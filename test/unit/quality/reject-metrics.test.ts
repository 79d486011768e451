import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emitRejectionMetrics } from '../../../core/quality/index.js';
import { emfRecords } from '../../support/emf.js';

describe('reject metrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('publish one EMF record per topic and reason, with exactly the topic and reason dimensions', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    // As the sink handler builds it: its own topic as a default dimension, which the rejection records replace.
    const metrics = new Metrics({
      namespace: 'SignalForge',
      serviceName: 'ingest-sink',
      defaultDimensions: { topic: 'market-data' },
    });
    emitRejectionMetrics(metrics, [
      { topic: 'market-data', kind: 'quarantine', reason: 'bar-move' },
      { topic: 'market-data', kind: 'quarantine', reason: 'bar-move' },
      { topic: 'financial-news', kind: 'quarantine', reason: 'identifier-chars' },
      { topic: 'market-data', kind: 'dead-letter', reason: 'invalid-json' },
    ]);
    vi.restoreAllMocks();
    const records = emfRecords(lines);
    expect(records).toHaveLength(3);
    for (const r of records) expect(r._aws.CloudWatchMetrics[0]!.Dimensions[0]!.sort()).toEqual(['reason', 'topic']);
    const counts = records.map((r) => [
      r.topic,
      r.reason,
      r.QuarantinedByReason ?? null,
      r.DeadLetteredByReason ?? null,
    ]);
    expect(counts).toEqual([
      ['market-data', 'bar-move', 2, null],
      ['financial-news', 'identifier-chars', 1, null],
      ['market-data', 'invalid-json', null, 1],
    ]);
  });
});
