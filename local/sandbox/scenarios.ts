import type { SignalForgeConfig } from '../../core/config/index.js';
import { sentimentColumns } from '../../core/features/index.js';
import { gaussian } from '../../core/random/index.js';
import type { BarSeriesModel } from '../replay/replay.js';

/**
 * What the sandbox replays as market bars. `default` is today's data (real S&P 500 bars for SPX, GBM
 * calibrated to real closes elsewhere). `noise`, `signal` and `signal-sentiment` replace every series, the real
 * ones too, with data whose predictability is known, so the promotion gate (and the sentiment ablation) can be
 * checked against the truth.
 */
export const SCENARIOS = ['default', 'noise', 'signal', 'signal-sentiment'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Annualised volatility of the scenario series (about the S&P 500's long-run figure). */
export const SCENARIO_ANNUAL_VOL = 0.2;
/** AR(1) coefficient of the `signal` scenario's log returns: r[t] = PHI * r[t-1] + e[t]. */
export const SIGNAL_AR1_COEFFICIENT = 0.5;

/** `noise`: a Gaussian random walk in log price, no drift: no forecast can beat "next return = 0". */
export function noiseModel(annualVol = SCENARIO_ANNUAL_VOL): BarSeriesModel {
  return {
    source: 'scenario-noise',
    logReturns: (rand, count, dt) => Array.from({ length: count }, () => annualVol * Math.sqrt(dt) * gaussian(rand)),
  };
}

/**
 * `signal`: AR(1) log returns, r[t] = phi * r[t-1] + e[t], e ~ N(0, (vol * sqrt(dt))^2), started in its
 * stationary distribution. The best forecast, phi * r[t-1], cuts the naive forecast's MSE by phi^2 of the
 * return variance (25% at phi = 0.5), and the sign strategy's hit rate is 1/2 + asin(phi)/pi (2/3). At
 * phi = 0.3 the sandbox's small model on ~1,200 bars per series did not beat naive significantly (DM p 0.19
 * at 2,000 bars), so the scenario would test the trainer's capacity rather than the gate.
 */
export function ar1Model(phi = SIGNAL_AR1_COEFFICIENT, annualVol = SCENARIO_ANNUAL_VOL): BarSeriesModel {
  if (!(Math.abs(phi) < 1)) throw new Error(`AR(1) coefficient must be in (-1, 1), got ${phi}`);
  return {
    source: `scenario-signal-ar1-${phi}`,
    logReturns: (rand, count, dt) => {
      const sigma = annualVol * Math.sqrt(dt);
      const out: number[] = [];
      let previous = (sigma / Math.sqrt(1 - phi * phi)) * gaussian(rand);
      for (let i = 0; i < count; i++) {
        previous = phi * previous + sigma * gaussian(rand);
        out.push(previous);
      }
      return out;
    },
  };
}

/**
 * The `signal-sentiment` scenario's response of a bar's return, in units of the bar's volatility, to a trailing
 * mean sentiment of 1. The replay's trailing means have a standard deviation of about 0.3 (test/unit/sandbox), so
 * the planted component explains about a fifth of the return variance: less than the `signal` scenario's 25%, but
 * learnable by the sandbox's small models on about a thousand bars.
 */
export const SENTIMENT_DRIFT_COEFFICIENT = 1.6;

/**
 * `signal-sentiment`: Gaussian noise plus a post-news drift (prices keep moving the way recent news leaned, as
 * after earnings announcements). The return into bar i+1 moves by beta * sigma * m[i], where m[i] is the mean
 * lexicon score of the symbol's news and posts in the `windowBars` bars ending at bar i: exactly the trainer's
 * `sent_mean` feature, known when bar i closes. Nothing else in the prices is predictable, so the same model
 * without sentiment cannot beat the naive forecast and one with it can: the ground truth of the ablation.
 */
export function sentimentDriftModel(
  windowBars: number,
  beta = SENTIMENT_DRIFT_COEFFICIENT,
  annualVol = SCENARIO_ANNUAL_VOL,
): BarSeriesModel {
  if (!(windowBars > 0))
    throw new Error(`the sentiment drift needs a sentiment window of at least 1 bar, got ${windowBars}`);
  return {
    source: `scenario-signal-sentiment-${beta}`,
    logReturns: (rand, count, dt, series) => {
      const sigma = annualVol * Math.sqrt(dt);
      const returns = Array.from({ length: count }, () => sigma * gaussian(rand));
      if (!series || series.sentiment.length === 0) return returns;
      const [trailingMean] = sentimentColumns(Float64Array.from(series.times), series.sentiment, windowBars);
      for (let i = 1; i < count; i++) returns[i]! += beta * sigma * trailingMean[i - 1]!;
      return returns;
    },
  };
}

/**
 * The bar model of a scenario; undefined for `default`, which keeps today's data. `signal-sentiment` reads the
 * config's sentiment window, so the planted drift is what the trainer's features measure.
 */
export function scenarioBarModel(
  name: ScenarioName,
  config?: Pick<SignalForgeConfig, 'training'>,
): BarSeriesModel | undefined {
  if (name === 'noise') return noiseModel();
  if (name === 'signal') return ar1Model();
  if (name === 'signal-sentiment') {
    const window = config?.training.sentimentWindowBars ?? 0;
    if (window === 0)
      throw new Error('--scenario signal-sentiment needs sentiment features on (training.sentimentWindowBars > 0)');
    return sentimentDriftModel(window);
  }
  return undefined;
}
