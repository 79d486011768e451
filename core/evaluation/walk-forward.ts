import type { Timeframe } from '../config/index.js';
import { deflatedSharpe, variance } from './deflated-sharpe.js';
import { dieboldMariano, squaredErrors } from './diebold-mariano.js';
import type { WalkForwardFold } from './folds.js';
import {
  evaluatePredictions,
  moments,
  naiveForecast,
  PERIODS_PER_YEAR,
  signBacktest,
  type ForecastMetrics,
} from './metrics.js';

export const DM_METHOD =
  'Diebold-Mariano, squared-error loss vs the naive forecast (next return = 0), Newey-West variance (lag h-1), Harvey-Leybourne-Newbold correction, one-sided Student t(n-1)';
export const DSR_METHOD =
  "Deflated Sharpe Ratio (Bailey & López de Prado 2014) over the search trials' pooled out-of-sample net Sharpe ratios";
export const WALK_FORWARD_METHOD =
  'expanding-window walk-forward, purged before each evaluated range and embargoed after each test fold';

export interface MetricsTriple {
  model: ForecastMetrics;
  naive: ForecastMetrics;
  drift: ForecastMetrics;
}

export interface WalkForwardSummary {
  perFold: MetricsTriple[];
  pooled: MetricsTriple;
  dm: { statistic: number; pValue: number; samples: number; horizon: number };
  deflatedSharpe: {
    probability: number;
    trials: number;
    sharpeVariance: number;
    sharpe: number;
    expectedMaxSharpe: number;
    skewness: number;
    kurtosis: number;
    observations: number;
  };
  /** Annualised pooled net Sharpe of every trial, in the order given. */
  trialNetSharpes: number[];
  /** The selected trial's pooled predictions: how many are not finite, their standard deviation and distinct values. */
  predictions: { nonFinite: number; std: number; distinct: number };
}

export interface WalkForwardInput {
  folds: readonly WalkForwardFold[];
  /** Realised next-bar return of every sample. */
  targets: ArrayLike<number>;
  /** The drift baseline's forecast of every sample. */
  drift: ArrayLike<number>;
  /** Each trial's out-of-sample predictions over the pooled test folds (first test sample onwards). */
  trialsOos: readonly ArrayLike<number>[];
  /** Index of the selected trial in `trialsOos`. */
  selected: number;
  timeframe: Timeframe;
  costBps: number;
}

function triple(
  pred: ArrayLike<number>,
  actual: ArrayLike<number>,
  drift: ArrayLike<number>,
  timeframe: Timeframe,
  costBps: number,
): MetricsTriple {
  return {
    model: evaluatePredictions(pred, actual, timeframe, costBps),
    naive: evaluatePredictions(naiveForecast(actual.length), actual, timeframe, costBps),
    drift: evaluatePredictions(drift, actual, timeframe, costBps),
  };
}

/**
 * The statistics of one config's walk-forward run, shared by the trainer (metadata.json), the gate's tests and
 * the report: per-fold and pooled metrics against both baselines, the Diebold-Mariano test of the selected
 * trial against the naive forecast over all pooled out-of-sample predictions, and the deflated Sharpe of the
 * selected trial given every trial's pooled net Sharpe.
 */
export function summariseWalkForward(x: WalkForwardInput): WalkForwardSummary {
  const first = x.folds[0]!.test.start;
  const last = x.folds[x.folds.length - 1]!.test.end;
  const actual = Float64Array.from({ length: last - first }, (_, i) => x.targets[first + i]!);
  const drift = Float64Array.from({ length: last - first }, (_, i) => x.drift[first + i]!);
  // A diverged fit's NaN/Infinity predictions are counted (the gate rejects on them) and scored as the naive
  // forecast, so every statistic stays a number that metadata.json can carry.
  const raw = x.trialsOos[x.selected]!;
  const trialsOos = x.trialsOos.map((p) =>
    Float64Array.from({ length: p.length }, (_, i) => (Number.isFinite(p[i]!) ? p[i]! : 0)),
  );
  const oos = trialsOos[x.selected]!;
  const perFold = x.folds.map((f) => {
    const a = f.test.start - first;
    const b = f.test.end - first;
    return triple(oos.subarray(a, b), actual.subarray(a, b), drift.subarray(a, b), x.timeframe, x.costBps);
  });
  const pooled = triple(oos, actual, drift, x.timeframe, x.costBps);
  const dm = dieboldMariano(squaredErrors(oos, actual), squaredErrors(naiveForecast(actual.length), actual), 1);

  const ppy = PERIODS_PER_YEAR[x.timeframe];
  const perBar = trialsOos.map((p) => signBacktest(p, actual, x.costBps, ppy));
  const trialNetSharpes = perBar.map((b) => b.sharpe);
  const perBarSharpes = trialNetSharpes.map((s) => s / Math.sqrt(ppy));
  const selected = perBar[x.selected]!;
  const m = moments(selected.returns);
  const sharpeVariance = variance(perBarSharpes);
  const dsr = deflatedSharpe({
    sharpe: perBarSharpes[x.selected]!,
    observations: actual.length,
    skewness: m.skewness,
    kurtosis: m.kurtosis,
    trials: x.trialsOos.length,
    sharpeVariance,
  });
  return {
    perFold,
    pooled,
    dm: { statistic: dm.statistic, pValue: dm.pValue, samples: dm.samples, horizon: 1 },
    deflatedSharpe: {
      probability: dsr.probability,
      trials: x.trialsOos.length,
      sharpeVariance,
      sharpe: perBarSharpes[x.selected]!,
      expectedMaxSharpe: dsr.expectedMaxSharpe,
      skewness: m.skewness,
      kurtosis: m.kurtosis,
      observations: actual.length,
    },
    trialNetSharpes,
    predictions: predictionStats(raw),
  };
}

function predictionStats(pred: ArrayLike<number>): WalkForwardSummary['predictions'] {
  let nonFinite = 0;
  const finite: number[] = [];
  for (let i = 0; i < pred.length; i++) {
    if (Number.isFinite(pred[i]!)) finite.push(pred[i]!);
    else nonFinite++;
  }
  const distinct = new Set(finite).size;
  return { nonFinite, std: finite.length ? moments(finite).std : 0, distinct };
}
