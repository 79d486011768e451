import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/index.js';
import { sentimentText, type MarketBarEvent, type SignalEvent } from '../../../core/events/index.js';
import { LexiconSentimentScorer } from '../../../core/sentiment/index.js';
import { seededRandom } from '../../../core/random/index.js';
import { replayEvents } from '../../../local/replay/replay.js';
import { sentimentDrift } from '../../support/sentiment-drift.js';
import { ar1Model, noiseModel, scenarioBarModel, SIGNAL_AR1_COEFFICIENT } from '../../../local/sandbox/scenarios.js';

const DAY = 1 / 252;
const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
function lag1(xs: number[]): number {
  const m = mean(xs);
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    den += (xs[i]! - m) ** 2;
    if (i > 0) num += (xs[i]! - m) * (xs[i - 1]! - m);
  }
  return num / den;
}

describe('sandbox scenarios', () => {
  const n = 20_000;
  // With n = 20,000 the lag-1 autocorrelation's standard error is 1/sqrt(n) = 0.007.
  it('noise: zero-mean Gaussian log returns with the stated volatility and no autocorrelation', () => {
    const r = noiseModel().logReturns(seededRandom(1), n, DAY);
    expect(Math.abs(lag1(r))).toBeLessThan(0.03);
    expect(Math.sqrt(mean(r.map((x) => x * x)) / DAY)).toBeCloseTo(0.2, 1);
    expect(Math.abs(mean(r)) / Math.sqrt(DAY)).toBeLessThan(0.01);
  });

  it(`signal: AR(1) log returns whose lag-1 autocorrelation is the stated coefficient ${SIGNAL_AR1_COEFFICIENT}`, () => {
    const r = ar1Model().logReturns(seededRandom(2), n, DAY);
    expect(lag1(r)).toBeGreaterThan(SIGNAL_AR1_COEFFICIENT - 0.03);
    expect(lag1(r)).toBeLessThan(SIGNAL_AR1_COEFFICIENT + 0.03);
    expect(() => ar1Model(1)).toThrow(/must be in \(-1, 1\)/);
  });

  it('replaces every series, SPX too, with plausible bars that carry the model; same seed, same data', () => {
    const config = loadConfig({
      env: { SIGNALFORGE_ENV: 'local' },
      overrides: { universe: { symbols: ['SPX', 'AAPL'], timeframes: ['1d', '1w'] } },
    });
    const bars = (seed: number) =>
      [...replayEvents({ config, events: 4_000, seed, barModel: scenarioBarModel('signal') })].flatMap((i) =>
        i.kind === 'event' && i.event.type === 'market-bar' ? [i.event as MarketBarEvent] : [],
      );
    const signal = bars(5);
    expect(signal.length).toBeGreaterThan(3_000);
    expect(new Set(signal.map((b) => b.source))).toEqual(new Set([`scenario-signal-ar1-${SIGNAL_AR1_COEFFICIENT}`]));
    expect(signal.every((b) => b.synthetic)).toBe(true);
    expect(new Set(signal.map((b) => `${b.symbol}#${b.timeframe}`))).toEqual(
      new Set(['SPX#1d', 'SPX#1w', 'AAPL#1d', 'AAPL#1w']),
    );
    for (const b of signal) {
      expect(b.h).toBeGreaterThanOrEqual(Math.max(b.o, b.c));
      expect(b.l).toBeLessThanOrEqual(Math.min(b.o, b.c));
      expect(b.l).toBeGreaterThan(0);
      expect(b.v).toBeGreaterThan(0);
    }
    const closes = signal.filter((b) => b.symbol === 'AAPL' && b.timeframe === '1d').map((b) => b.c);
    const returns = closes.slice(1).map((c, i) => Math.log(c / closes[i]!));
    expect(lag1(returns)).toBeGreaterThan(0.15);
    expect(bars(5)).toEqual(signal);
    expect(bars(6)[0]!.c).not.toBe(signal[0]!.c);
    expect(scenarioBarModel('default')).toBeUndefined();
  });

  describe('text events and the signal-sentiment scenario', () => {
    const config = loadConfig({
      env: { SIGNALFORGE_ENV: 'local' },
      overrides: { universe: { symbols: ['SPX', 'AAPL'], timeframes: ['1d', '1w'] } },
    });
    const window = config.training.sentimentWindowBars;
    const replay = (scenario: 'noise' | 'signal-sentiment') =>
      [...replayEvents({ config, events: 6_000, seed: 9, barModel: scenarioBarModel(scenario, config) })].flatMap(
        (i) => (i.kind === 'event' ? [i.event as SignalEvent] : []),
      );
    const scorer = new LexiconSentimentScorer();
    /** Per series: correlation of the trailing mean sentiment at bar i with the log return into bar i + 1. */
    function sentimentCorrelations(events: SignalEvent[]): Map<string, { corr: number; covered: number }> {
      const out = new Map<string, { corr: number; covered: number }>();
      for (const symbol of ['SPX', 'AAPL'])
        for (const timeframe of ['1d', '1w']) {
          const bars = events.filter(
            (e): e is MarketBarEvent => e.type === 'market-bar' && e.symbol === symbol && e.timeframe === timeframe,
          );
          const points = events
            .filter((e) => e.symbol === symbol && sentimentText(e) !== undefined)
            .map((e) => ({ t: Date.parse(e.eventTime), score: scorer.scoreText(sentimentText(e)!).score }))
            .sort((a, b) => a.t - b.t);
          const series = bars.map((b) => ({ t: Date.parse(b.eventTime), c: b.c }));
          out.set(`${symbol}#${timeframe}`, sentimentDrift(series, points, window));
        }
      return out;
    }

    it("spreads the news and posts over every series' bars, so most bars' sentiment windows hold some", () => {
      const events = replay('noise');
      expect(events.filter((e) => e.type !== 'market-bar').length).toBeGreaterThan(1_000);
      // Placed inside bar intervals of the symbol's series in rotation (the old year-before-the-end times covered a
      // fifth of the daily bars and almost none of the weekly ones' history).
      for (const [key, { covered }] of sentimentCorrelations(events)) expect(covered, key).toBeGreaterThan(0.8);
    });

    it('signal-sentiment: trailing mean sentiment predicts the next return in every series; under noise not', () => {
      const planted = sentimentCorrelations(replay('signal-sentiment'));
      const noise = sentimentCorrelations(replay('noise'));
      for (const [key, { corr }] of planted) {
        // beta * sd(m) / sqrt(1 + (beta * sd(m))^2) with sd(m) about 0.35: about 0.49.
        expect(corr, key).toBeGreaterThan(0.35);
        // 1,200 bars: the correlation's standard error is about 0.03.
        expect(Math.abs(noise.get(key)!.corr), key).toBeLessThan(0.1);
      }
      expect(() => scenarioBarModel('signal-sentiment')).toThrow(/sentimentWindowBars/);
    });
  });
});
