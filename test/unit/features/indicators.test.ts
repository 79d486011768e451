import { describe, expect, it } from 'vitest';
import { BollingerBands, EMA, MACD, RSI } from 'trading-signals';
import {
  bollinger,
  computeFeatures,
  makeFeatureSpec,
  macd,
  rsi,
  buildModelInput,
  FeatureWindowError,
  type OhlcvBar,
} from '../../../core/features/index.js';

// Tulip Indicators' test series (tests/untest.txt), also used by trading-signals' own tests.
const TULIP = [81.59, 81.06, 82.87, 83.0, 83.61, 83.15, 82.84, 83.99, 84.55, 84.36, 85.53, 86.54, 86.89, 87.77, 87.29];

// StockCharts' ChartSchool RSI worked example (Wilder's 14-period RSI, cs-rsi.xls). The page shows closes
// rounded to 2 decimals; the spreadsheet's published RSI values come from these unrounded closes.
const STOCKCHARTS_CLOSES = [
  44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245, 45.8433, 46.0826, 45.8931, 46.0328, 45.614,
  46.282, 46.282, 46.0028, 46.0328, 46.4116, 46.2222, 45.6439, 46.2122, 46.2521, 45.7137, 46.4515, 45.7835, 45.3548,
  44.0288, 44.1783, 44.2181, 44.5672, 43.4205, 42.6628, 43.1314,
];
const STOCKCHARTS_RSI = [
  70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46, 41.87, 45.46, 37.3,
  33.08, 37.77,
];

function randomWalk(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out = [100];
  for (let i = 1; i < n; i++) out.push(out[i - 1]! * (1 + (rnd() - 0.5) * 0.04));
  return out;
}

describe('indicators against published reference values', () => {
  it("Wilder's RSI matches the StockCharts worked example to 2 decimals", () => {
    const r = rsi(STOCKCHARTS_CLOSES, 14);
    expect(Number.isNaN(r[13]!)).toBe(true);
    const got = Array.from(r.slice(14), (v) => v.toFixed(2));
    expect(got).toEqual(STOCKCHARTS_RSI.map((v) => v.toFixed(2)));
  });

  it('RSI(5) matches Tulip Indicators', () => {
    const expected = [
      '72.034',
      '64.927',
      '75.936',
      '79.796',
      '74.713',
      '83.033',
      '87.478',
      '88.755',
      '91.483',
      '78.498',
    ];
    expect(Array.from(rsi(TULIP, 5).slice(5), (v) => v.toFixed(3))).toEqual(expected);
  });

  it('MACD(2,5,9) line, signal and histogram match Tulip Indicators', () => {
    const m = macd(TULIP, 2, 5, 9);
    const fmt = (a: Float64Array) => Array.from(a.slice(4), (v) => v.toFixed(2));
    expect(fmt(m.line)).toEqual([
      '0.62',
      '0.35',
      '0.11',
      '0.42',
      '0.58',
      '0.42',
      '0.68',
      '0.93',
      '0.89',
      '0.98',
      '0.62',
    ]);
    expect(fmt(m.signal)).toEqual([
      '0.62',
      '0.56',
      '0.47',
      '0.46',
      '0.49',
      '0.47',
      '0.51',
      '0.60',
      '0.66',
      '0.72',
      '0.70',
    ]);
    expect(fmt(m.histogram).map((s) => (s === '-0.00' ? '0.00' : s))).toEqual([
      '0.00',
      '-0.21',
      '-0.36',
      '-0.05',
      '0.09',
      '-0.05',
      '0.17',
      '0.33',
      '0.24',
      '0.26',
      '-0.08',
    ]);
  });

  it('Bollinger(5, 2) bands match Tulip Indicators', () => {
    const bb = bollinger(TULIP, 5, 2);
    const fmt = (a: Float64Array) => Array.from(a.slice(4), (v) => v.toFixed(2));
    expect(fmt(bb.lower)).toEqual([
      '80.53',
      '80.99',
      '82.53',
      '82.47',
      '82.42',
      '82.44',
      '82.51',
      '83.14',
      '83.54',
      '83.87',
      '85.29',
    ]);
    expect(fmt(bb.middle)).toEqual([
      '82.43',
      '82.74',
      '83.09',
      '83.32',
      '83.63',
      '83.78',
      '84.25',
      '84.99',
      '85.57',
      '86.22',
      '86.80',
    ]);
    expect(fmt(bb.upper)).toEqual([
      '84.32',
      '84.49',
      '83.65',
      '84.16',
      '84.84',
      '85.12',
      '86.00',
      '86.85',
      '87.61',
      '88.57',
      '88.32',
    ]);
  });

  it('agrees with trading-signals (the oracle) on a long random walk', () => {
    const prices = randomWalk(400, 7);
    const ours = { rsi: rsi(prices, 14), macd: macd(prices, 12, 26, 9), bb: bollinger(prices, 20, 2) };
    const tsRsi = new RSI(14);
    const tsMacd = new MACD(new EMA(12), new EMA(26), new EMA(9));
    const tsBb = new BollingerBands(20, 2);
    let checked = 0;
    prices.forEach((p, i) => {
      const r = tsRsi.update(p, false);
      const m = tsMacd.update(p, false);
      const b = tsBb.update(p, false);
      if (r !== null) expect(ours.rsi[i]).toBeCloseTo(r, 9);
      if (m !== null) {
        expect(ours.macd.line[i]).toBeCloseTo(m.macd, 9);
        expect(ours.macd.signal[i]).toBeCloseTo(m.signal, 9);
      }
      if (b !== null) {
        expect(ours.bb.upper[i]).toBeCloseTo(b.upper, 9);
        expect(ours.bb.lower[i]).toBeCloseTo(b.lower, 9);
        checked++;
      }
    });
    expect(checked).toBe(381);
  });
});

describe('feature matrix', () => {
  const closes = randomWalk(400, 3);
  const bars: OhlcvBar[] = closes.map((c, i) => ({
    t: Date.UTC(2024, 0, 1) + i * 3_600_000,
    o: c,
    h: c * 1.01,
    l: c * 0.99,
    c,
    v: 1000 + i,
  }));
  const spec = makeFeatureSpec();
  const H = spec.historyBars;

  it('rows start once a full history is available and every value is finite', () => {
    const fm = computeFeatures(bars, spec);
    expect(spec.version).toBe(2);
    expect(spec.warmupBars).toBe(33);
    expect(fm.firstBar).toBe(H - 1);
    expect(fm.rows).toBe(400 - (H - 1));
    expect(fm.width).toBe(spec.names.length);
    expect(fm.values.every((v) => Number.isFinite(v))).toBe(true);
    // ret_1 and logret_1 of the first feature row, by hand.
    expect(fm.values[0]).toBeCloseTo(closes[H - 1]! / closes[H - 2]! - 1, 12);
    expect(fm.values[1]).toBeCloseTo(Math.log(closes[H - 1]! / closes[H - 2]!), 12);
    // The first lag column is the previous row's log return.
    expect(fm.values[fm.width + spec.names.indexOf('logret_lag_1')]).toBe(fm.values[1]);
  });

  it('is deterministic and only looks backwards (appending bars does not change earlier rows)', () => {
    const a = computeFeatures(bars.slice(0, 300), spec);
    const b = computeFeatures(bars, spec);
    expect(Array.from(b.values.slice(0, a.values.length))).toEqual(Array.from(a.values));
  });

  it('aggregates sentiment over the trailing window of bars', () => {
    const sspec = makeFeatureSpec({ sentimentWindowBars: 2 });
    const at = H + 40;
    const t0 = bars[at]!.t as number;
    const points = [
      { t: t0 - 1, score: 0.5 }, // inside (t[at-1], t[at]]
      { t: t0, score: -0.1 },
      { t: t0 + 3_600_000, score: 0.3 }, // bar at+1
    ];
    const fm = computeFeatures(bars, sspec, points);
    const col = sspec.names.indexOf('sent_mean_2');
    const row = (bar: number) => (bar - fm.firstBar) * fm.width;
    expect(fm.values[row(at) + col]).toBeCloseTo(0.2, 12);
    expect(fm.values[row(at + 1) + col]).toBeCloseTo((0.5 - 0.1 + 0.3) / 3, 12);
    expect(fm.values[row(at + 3) + col]).toBe(0);
    expect(fm.values[row(at + 1) + col + 1]).toBeCloseTo(Math.log(4), 12);
  });

  it('builds a normalised model window and rejects too few bars', () => {
    const normalisation = { mean: spec.names.map(() => 0), std: spec.names.map(() => 2) };
    const input = buildModelInput(bars, { featureSpec: spec, normalisation, windowSize: 8 });
    const fm = computeFeatures(bars, spec);
    expect(input.length).toBe(8 * spec.names.length);
    expect(input[input.length - 1]).toBeCloseTo(fm.values[fm.values.length - 1]! / 2, 6);
    expect(() => buildModelInput(bars.slice(0, H + 6), { featureSpec: spec, normalisation, windowSize: 8 })).toThrow(
      FeatureWindowError,
    );
    expect(() =>
      buildModelInput(bars.slice(0, H + 7), { featureSpec: spec, normalisation, windowSize: 8 }),
    ).not.toThrow();
  });
});
