import { gaussian } from '../../core/random/index.js';
import type { BarSeriesModel } from '../replay/replay.js';

/**
 * What the sandbox replays as market bars. `default` is today's data (real S&P 500 bars for SPX, GBM
 * calibrated to real closes elsewhere). `noise` and `signal` replace every series, the real ones too,
 * with data whose predictability is known, so the promotion gate can be checked against the truth.
 */
export const SCENARIOS = ['default', 'noise', 'signal'] as const;
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

/** The bar model of a scenario; undefined for `default`, which keeps today's data. */
export function scenarioBarModel(name: ScenarioName): BarSeriesModel | undefined {
  if (name === 'noise') return noiseModel();
  if (name === 'signal') return ar1Model();
  return undefined;
}
