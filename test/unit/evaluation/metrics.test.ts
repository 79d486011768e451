import { describe, expect, it } from 'vitest';
import {
  directionalAccuracy,
  equityCurve,
  evaluatePredictions,
  hitRate,
  mae,
  maxDrawdown,
  mse,
  sharpe,
  signBacktest,
  signStrategyReturns,
  PERIODS_PER_YEAR,
} from '../../../core/evaluation/index.js';

// A hand-computed series. Actual next-bar returns and predictions:
const actual = [0.01, -0.02, 0.03, -0.01, 0.0, 0.02];
const pred = [0.005, 0.01, 0.02, -0.02, 0.01, -0.01];
// Errors: -0.005, 0.03, -0.01, -0.01, 0.01, -0.03 -> squares sum 0.000025+0.0009+0.0001+0.0001+0.0001+0.0009 = 0.002125
// Directions (zero actual excluded): hit, miss, hit, hit, -, miss -> 3/5
// Sign strategy: +0.01, -(-0.02)=... sign(0.01)=+1 -> -0.02; +0.03; (-1)(-0.01)=+0.01; 0; (-1)(0.02)=-0.02
// Equity: 1, 1.01, 0.9898, 1.019494, 1.02968894, 1.02968894, 1.0090951612
// Peak 1.02968894, trough after it 1.0090951612 -> drawdown 0.02; earlier 1.01 -> 0.9898 is 0.02 too.
describe('evaluation metrics on a hand-computed series', () => {
  it('MSE, MAE, directional accuracy and hit rate', () => {
    expect(mse(pred, actual)).toBeCloseTo(0.002125 / 6, 12);
    // |errors| sum 0.005+0.03+0.01+0.01+0.01+0.03 = 0.095
    expect(mae(pred, actual)).toBeCloseTo(0.095 / 6, 12);
    // Every bar holds a position; winners: +0.01, +0.03, +0.01 of 6 (the flat-actual bar is not a win).
    expect(hitRate(pred, actual)).toBeCloseTo(3 / 6, 12);
    expect(directionalAccuracy(pred, actual)).toBeCloseTo(3 / 5, 12);
  });

  it('sign-strategy returns, equity and max drawdown', () => {
    const r = signStrategyReturns(pred, actual);
    expect(Array.from(r)).toEqual([0.01, -0.02, 0.03, 0.01, 0, -0.02]);
    const eq = equityCurve(r);
    expect(eq[6]).toBeCloseTo(1.0090951612, 9);
    expect(maxDrawdown(eq)).toBeCloseTo(0.02, 12);
  });

  it('annualised Sharpe per timeframe', () => {
    // Strategy returns sum 0.01, mean 0.01/6; sum of squares 0.0019, so the sum of squared deviations is
    // 0.0019 - 6*(0.01/6)^2 = 0.00188333; sample variance /5 = 0.000376667; sd = 0.0194079.
    // Daily Sharpe = 0.00166667 / 0.0194079 * sqrt(252) = 1.363234; weekly uses sqrt(52): 0.619258.
    const r = signStrategyReturns(pred, actual);
    const expectedDaily = 1.363234;
    expect(sharpe(r, PERIODS_PER_YEAR['1d'])).toBeCloseTo(expectedDaily, 4);
    const m = evaluatePredictions(pred, actual, '1w', 0);
    expect(m.sharpe).toBeCloseTo(0.619258, 5);
    expect(m.samples).toBe(6);
  });

  it('a naive persistence forecast of a trending series is right every time', () => {
    const trend = [0.01, 0.01, 0.01, 0.01];
    const m = evaluatePredictions(trend, trend, '1d', 0);
    expect(m.directionalAccuracy).toBe(1);
    expect(m.maxDrawdown).toBe(0);
    expect(m.mse).toBe(0);
  });
});

describe('sign-strategy backtest net of costs', () => {
  it('charges costBps per unit of |position change|, entering the first position included', () => {
    // Positions +1, +1, -1, 0, +1 from flat: turnover 1 + 0 + 2 + 1 + 1 = 5.
    const p = [0.3, 0.1, -0.2, 0, 0.5];
    const a = [0.01, 0.02, -0.01, 0.03, -0.02];
    const bt = signBacktest(p, a, 10, 252);
    expect(bt.turnover).toBe(5);
    // Gross +0.01, +0.02, +0.01, 0, -0.02; costs 10 bp x (1, 0, 2, 1, 1).
    const net = [0.01 - 0.001, 0.02, 0.01 - 0.002, -0.001, -0.02 - 0.001];
    for (const [i, r] of Array.from(bt.returns).entries()) expect(r).toBeCloseTo(net[i]!, 15);
    expect(bt.roi).toBeCloseTo(net.reduce((e, r) => e * (1 + r), 1) - 1, 15);
    expect(bt.sharpe).toBeCloseTo(sharpe(net, 252), 12);
    expect(bt.sharpe).toBeLessThan(sharpe(signStrategyReturns(p, a), 252));
  });

  it('a flat forecast never trades: zero turnover, ROI and Sharpe', () => {
    const bt = signBacktest([0, 0, 0], [0.01, -0.02, 0.03], 5, 252);
    expect([bt.turnover, bt.roi, bt.sharpe, bt.maxDrawdown]).toEqual([0, 0, 0, 0]);
  });

  it('evaluatePredictions reports the net figures and mean turnover per bar', () => {
    const m = evaluatePredictions([1, -1, 1, -1], [0.01, -0.01, 0.01, -0.01], '1d', 5);
    // Flips every bar: turnover 1 + 2 + 2 + 2 = 7 over 4 bars; each bar earns 1% less 5 bp per unit traded.
    expect(m.turnover).toBeCloseTo(7 / 4, 12);
    expect(m.roi).toBeCloseTo((1 + 0.01 - 0.0005) * (1 + 0.01 - 0.001) ** 3 - 1, 12);
    expect(m.directionalAccuracy).toBe(1);
  });
});
