import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../core/random/index.js';
import { barShapeOf, shapeBar } from '../../../local/replay/bar-shape.js';

describe('bar shape (replay bars and the live continuation)', () => {
  it('recovers the wick scale and median volume it shaped bars with (a continuation keeps the range features)', () => {
    const rand = seededRandom(7);
    const shape = { wiggle: 0.004, baseVolume: 2.5e6 };
    let price = 100;
    const bars = Array.from({ length: 5_000 }, () => {
      const open = price;
      price = open * Math.exp(0.01 * (rand() - 0.5));
      return shapeBar(open, price, shape, rand);
    });
    const estimated = barShapeOf(bars);
    // 5,000 half-normal draws per side: the mean's relative standard error is about 0.6%; prices round to 1e-4.
    expect(estimated.wiggle / shape.wiggle).toBeGreaterThan(0.97);
    expect(estimated.wiggle / shape.wiggle).toBeLessThan(1.03);
    // log-volume sd 0.3 over 5,000 bars: the geometric mean is within about 0.4% (1 s.e.) of the median.
    expect(estimated.baseVolume / shape.baseVolume).toBeGreaterThan(0.98);
    expect(estimated.baseVolume / shape.baseVolume).toBeLessThan(1.02);
    for (const b of bars) {
      expect(b.h).toBeGreaterThanOrEqual(Math.max(b.o, b.c));
      expect(b.l).toBeLessThanOrEqual(Math.min(b.o, b.c));
    }
  });
});
