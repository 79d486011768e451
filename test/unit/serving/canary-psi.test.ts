import { describe, expect, it } from 'vitest';
import { routesToCanary, routingPoint } from '../../../lambdas/serving/inference/canary.js';
import { histogram, psi, psiBand, psiFromCounts } from '../../../lambdas/serving/drift/psi.js';

describe('canary routing', () => {
  it('is deterministic: the same request id reaches the same alias every time', () => {
    for (let i = 0; i < 200; i++) {
      const id = `req-${i}`;
      const first = routesToCanary(id, 'AAPL#1h', 0.3);
      for (let k = 0; k < 3; k++) expect(routesToCanary(id, 'AAPL#1h', 0.3)).toBe(first);
    }
  });

  it.each([0.01, 0.1, 0.5, 0.9])('sends about %s of distinct requests to the canary', (weight) => {
    const n = 20_000;
    let canary = 0;
    for (let i = 0; i < n; i++) if (routesToCanary(`request-${i}`, 'MSFT#1d', weight)) canary += 1;
    // Binomial standard deviation; 5 sigma keeps the test from flaking while still catching a wrong split.
    const sigma = Math.sqrt(n * weight * (1 - weight));
    expect(Math.abs(canary - n * weight)).toBeLessThan(5 * sigma);
  });

  it('is monotone in the weight: raising it only adds requests to the canary', () => {
    for (let i = 0; i < 500; i++) {
      if (routesToCanary(`r${i}`, 'AAPL#1h', 0.2)) expect(routesToCanary(`r${i}`, 'AAPL#1h', 0.4)).toBe(true);
    }
  });

  it('treats weights 0 and 1 as never and always', () => {
    expect(routesToCanary('x', 'AAPL#1h', 0)).toBe(false);
    expect(routesToCanary('x', 'AAPL#1h', 1)).toBe(true);
  });

  it('salts by model key, so one client is not canaried on every config at once', () => {
    let differ = 0;
    for (let i = 0; i < 200; i++)
      if (routingPoint(`r${i}`, 'AAPL#1h') < 0.5 !== routingPoint(`r${i}`, 'MSFT#1h') < 0.5) differ += 1;
    expect(differ).toBeGreaterThan(60);
    expect(differ).toBeLessThan(140);
  });
});

describe('PSI', () => {
  it('is zero for identical distributions', () => {
    expect(psiFromCounts([10, 20, 30, 40], [1, 2, 3, 4])).toBeCloseTo(0, 12);
  });

  it('matches a hand-computed value', () => {
    // e = [0.25, 0.25, 0.5], a = [0.5, 0.25, 0.25]:
    // (0.5-0.25)ln(2) + 0 + (0.25-0.5)ln(0.5) = 0.25 ln 2 + 0.25 ln 2 = 0.5 ln 2 = 0.34657359...
    expect(psiFromCounts([25, 25, 50], [50, 25, 25])).toBeCloseTo(0.5 * Math.LN2, 12);
    // e = [0.1, 0.9], a = [0.3, 0.7]: 0.2 ln 3 + (-0.2) ln(7/9) = 0.21972 + 0.05026 = 0.26999...
    expect(psiFromCounts([1, 9], [3, 7])).toBeCloseTo(0.2 * Math.log(3) - 0.2 * Math.log(7 / 9), 12);
  });

  it('floors empty bins at epsilon instead of going infinite', () => {
    // e = [0.5, 0.5], a = [1, 0] -> a floored to [1, 1e-4]:
    // (1-0.5)ln(2) + (1e-4-0.5)ln(1e-4/0.5)
    const expected = 0.5 * Math.log(2) + (1e-4 - 0.5) * Math.log(1e-4 / 0.5);
    expect(psiFromCounts([5, 5], [8, 0])).toBeCloseTo(expected, 12);
    expect(Number.isFinite(psiFromCounts([5, 5], [8, 0]))).toBe(true);
  });

  it('is symmetric in its arguments', () => {
    expect(psiFromCounts([3, 5, 2], [1, 1, 8])).toBeCloseTo(psiFromCounts([1, 1, 8], [3, 5, 2]), 12);
  });

  it('bins values on the baseline edges right-closed, as the trainer does, clamping tails into the outer bins', () => {
    // (-inf, 1] -> -5, 0, 0.5, 1; (1, 2] -> 1.5, 2; (2, inf) -> 9; NaN skipped.
    expect(histogram([-5, 0, 0.5, 1, 1.5, 2, 9, Number.NaN], [0, 1, 2, 3])).toEqual([4, 2, 1]);
  });

  it('agrees with a linear-scan reference on random data and repeated edges', () => {
    const edges = [0, 0.1, 0.1, 0.4, 0.7, 1];
    let s = 7;
    const values = Array.from({ length: 500 }, () => {
      s = (s * 16807) % 2147483647;
      return (s / 2147483647) * 1.2 - 0.1;
    });
    const reference = new Array(edges.length - 1).fill(0);
    for (const v of values) {
      let b = 0;
      while (b < edges.length - 2 && v > edges[b + 1]!) b++;
      reference[b]++;
    }
    expect(histogram(values, edges)).toEqual(reference);
  });

  it('scores a shifted live sample against a baseline histogram', () => {
    const edges = [-3, -1, 0, 1, 3];
    const baseline = { edges, counts: [16, 34, 34, 16] };
    const same = [-2, -2, -0.5, -0.5, -0.5, 0.5, 0.5, 0.5, 2, 2].flatMap((v) => Array(10).fill(v) as number[]);
    const shifted = same.map((v) => v + 2);
    expect(psi(baseline, same)).toBeLessThan(0.1);
    expect(psi(baseline, shifted)).toBeGreaterThan(0.25);
    expect(psiBand(psi(baseline, shifted))).toBe('significant');
  });

  it('refuses mismatched or empty histograms', () => {
    expect(() => psiFromCounts([1, 2], [1, 2, 3])).toThrow(/same bins/);
    expect(() => psiFromCounts([0, 0], [1, 2])).toThrow(/non-empty/);
  });
});
