import { describe, expect, it } from 'vitest';
import { median, percentile } from '../../bench/percentile.js';

describe('bench percentile (nearest rank)', () => {
  it('is the smallest sample with at least p% of the samples at or below it', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([
      percentile(hundred, 50),
      percentile(hundred, 99),
      percentile(hundred, 100),
      percentile(hundred, 0),
    ]).toEqual([50, 99, 100, 1]);
    // Ten samples: p99 is the largest, p50 the fifth (floor indexing gave the sixth, so ingest read high).
    const ten = Float64Array.from({ length: 10 }, (_, i) => i + 1);
    expect([percentile(ten, 50), percentile(ten, 99)]).toEqual([5, 10]);
    expect(percentile([], 50)).toBeNaN();
  });

  it('median over repeats: the middle of an odd count, the mean of the two middles of an even one, any order', () => {
    expect([median([3, 1, 2]), median([4, 1, 3, 2]), median([7])]).toEqual([2, 2.5, 7]);
  });
});
