import { describe, expect, it } from 'vitest';
import {
  deflatedSharpe,
  dieboldMariano,
  expectedMaxSharpe,
  holmAdjust,
  normalCdf,
  normalQuantile,
  squaredErrors,
} from '../../../core/evaluation/index.js';

// Reference values: PyPI package `dieboldmariano` 1.1.0, dm_test(actual, model, naive, h=h, one_sided=True,
// harvey_correction=True, variance_estimator="bartlett") with naive = 30 zeros. That package's Bartlett estimator
// weighs lag k < h by 1 - k/h, which is Newey-West with lag h - 1; its statistic is mean(L_model - L_naive), so
// ours (mean(L_naive - L_model)) has the opposite sign and the same one-sided p-value. The inputs are
// numpy.random.default_rng(11): actual ~ N(0, 0.01), good = 0.7 actual + N(0, 0.004), weak = 0.3 actual + N(0, 0.008),
// rounded to 5 decimals.
const actual = [
  0.00034, 0.0136, 0.01225, -0.0051, -0.00298, -0.00527, 0.0057, -0.00056, 0.00747, -0.01847, 0.01567, -0.00096, 0.0068,
  -0.00137, -0.00379, 0.00463, 0.00825, -0.00203, -0.00153, 0.00686, -0.0087, -0.01514, 0.00395, -0.00671, -0.0192,
  -0.00814, -0.00468, -0.01193, -0.01492, 0.00037,
];
const good = [
  0.00383, 0.00859, 0.0056, -0.00203, 0.00078, -0.00489, 0.00617, 0.00378, 0.0044, -0.01618, 0.01236, 0.00032, 0.00916,
  -0.0061, -0.0053, -0.00011, -0.00116, -0.00092, 0.00104, 0.00185, -0.00055, -0.00731, 0.00527, -0.00309, -0.00962,
  -0.01103, -0.00082, -0.00594, -0.01751, 0.00165,
];
const weak = [
  -0.0019, 0.01033, 0.00016, -0.00168, 0.00185, -0.00859, 0.0065, -0.00101, 0.00618, -0.00972, 0.01339, 0.00455,
  0.00062, 0.00464, 0.00894, 0.01572, -0.01011, 0.00646, 0.00326, 0.00131, -0.01066, 0.00552, -0.00891, 0.00252,
  0.00465, -0.01524, -0.00382, -0.01405, -0.00252, 0.01223,
];
const naive = new Array<number>(actual.length).fill(0);
const REFERENCE: { name: string; pred: number[]; h: number; statistic: number; pValue: number }[] = [
  { name: 'good', pred: good, h: 1, statistic: 3.4984106783745927, pValue: 0.0007654137258440391 },
  { name: 'good', pred: good, h: 2, statistic: 3.1281197080036884, pValue: 0.0019921972140622465 },
  { name: 'good', pred: good, h: 4, statistic: 3.0334300775873855, pValue: 0.002529096373737725 },
  { name: 'weak', pred: weak, h: 1, statistic: -0.4194796389533182, pValue: 0.66102154902646 },
  { name: 'weak', pred: weak, h: 2, statistic: -0.343556489826509, pValue: 0.6331708760977055 },
  { name: 'weak', pred: weak, h: 4, statistic: -0.2843771339840986, pValue: 0.6109289198575143 },
];

describe('Diebold-Mariano with Newey-West variance and the HLN correction', () => {
  for (const ref of REFERENCE) {
    it(`matches dieboldmariano 1.1.0 for the ${ref.name} forecast at h=${ref.h}`, () => {
      const r = dieboldMariano(squaredErrors(ref.pred, actual), squaredErrors(naive, actual), ref.h);
      expect(r.statistic).toBeCloseTo(ref.statistic, 9);
      expect(r.pValue).toBeCloseTo(ref.pValue, 9);
      expect(r.samples).toBe(30);
    });
  }

  it('a forecast identical to the benchmark is never significant', () => {
    const r = dieboldMariano(squaredErrors(naive, actual), squaredErrors(naive, actual));
    expect(r.pValue).toBe(1);
  });
});

describe('normal distribution through the Student t limit', () => {
  it('matches tabulated values', () => {
    // Abramowitz & Stegun table 26.1 / scipy.stats.norm: Φ(1.96) = 0.9750021048517795, Φ(-1) = 0.15865525393145707.
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 14);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 14);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 10);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.3263478740408408, 10);
  });
});

describe('Deflated Sharpe Ratio (Bailey & López de Prado 2014)', () => {
  it("reproduces the paper's numerical example", () => {
    // Bailey & López de Prado, "The Deflated Sharpe Ratio", Journal of Portfolio Management 40(5), 2014, numerical
    // example: N = 100 trials whose annualised Sharpe ratios have variance 1/2, the selected one has annualised
    // SR 2.5 over T = 1250 daily observations (5 years of 250 days), skewness -3, kurtosis 10. The paper reports the
    // expected maximum SR0 ≈ 0.1132 (non-annualised) and DSR ≈ 0.9004.
    const perYear = 250;
    const r = deflatedSharpe({
      sharpe: 2.5 / Math.sqrt(perYear),
      observations: 1250,
      skewness: -3,
      kurtosis: 10,
      trials: 100,
      sharpeVariance: 0.5 / perYear,
    });
    expect(r.expectedMaxSharpe).toBeCloseTo(0.1132, 4);
    expect(r.probability).toBeCloseTo(0.9004, 3);
  });

  it('one trial deflates against zero; more trials raise the bar', () => {
    expect(expectedMaxSharpe(1, 0.3)).toBe(0);
    expect(expectedMaxSharpe(10, 0.01)).toBeLessThan(expectedMaxSharpe(100, 0.01));
  });
});

describe('Holm-Bonferroni adjusted p-values', () => {
  it('matches the step-down by hand, in input order', () => {
    // Sorted 0.01, 0.02, 0.03, 0.04 with m = 4: 0.04, 0.06, 0.06 (running max of 0.06), 0.06.
    expect(holmAdjust([0.04, 0.01, 0.03, 0.02])).toEqual([0.06, 0.04, 0.06, 0.06].map((v) => expect.closeTo(v, 12)));
    expect(holmAdjust([0.5, 0.9])).toEqual([1, 1]);
    expect(holmAdjust([])).toEqual([]);
  });
});
