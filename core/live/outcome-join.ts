import type { Timeframe } from '../config/index.js';
import { PERIODS_PER_YEAR, signBacktest } from '../evaluation/index.js';
import { bisect } from '../features/index.js';
import type { PredictionRecord, PredictionVariant } from './prediction-record.js';

/** A bar as the join needs it: its time (ms) and close. */
export interface ClosedBar {
  t: number;
  c: number;
}

/** A prediction once its target bar has landed: what happened and what it earned. */
export interface PredictionOutcome {
  requestId: string;
  key: string;
  version: number;
  variant: PredictionVariant;
  asOf: string;
  /** When the prediction was served: the bake window selects outcomes by it. */
  loggedAt: string;
  /** Time of the bar that realised the forecast: the first bar after `asOf`. */
  targetTime: string;
  prediction: number;
  /** next-bar simple return, the models' target: c[target] / c[asOf] - 1. */
  realisedReturn: number;
  squaredError: number;
  /** The prediction's sign matched the realised return's (a zero on either side is a miss). */
  directionHit: boolean;
  /**
   * The sign strategy's return on this bar net of costs, from core/evaluation's signBacktest (the trainer's backtest).
   */
  netReturn: number;
}

export interface JoinResult {
  outcomes: PredictionOutcome[];
  /** Predictions whose target bar is not in the lake yet (joined on a later run). */
  pending: number;
  /** Predictions whose `asOf` bar is not in the lake (cannot be realised; counted, not dropped silently). */
  unmatched: number;
}

/**
 * Joins one config's predictions with its bars. Deterministic: the same predictions and bars give the
 * same outcomes in the same order (by variant, version, asOf, request id), which is what makes the
 * scheduled join idempotent. Net returns run the trainer's sign backtest over each version-and-variant's
 * predictions in time order, so live PnL pays the same costs per unit of turnover as the gate's backtest.
 */
export function joinOutcomes(
  predictions: readonly PredictionRecord[],
  bars: readonly ClosedBar[],
  options: { costBps: number; timeframe: Timeframe },
): JoinResult {
  const sorted = [...bars].sort((a, b) => a.t - b.t);
  const times = Float64Array.from(sorted, (b) => b.t);
  const groups = new Map<string, Omit<PredictionOutcome, 'netReturn'>[]>();
  let pending = 0;
  let unmatched = 0;
  for (const p of predictions) {
    const asOfMs = Date.parse(p.asOf);
    const i = bisect(times, asOfMs, 'left');
    if (i >= times.length || times[i] !== asOfMs) {
      unmatched += 1;
      continue;
    }
    const next = sorted[i + 1];
    if (!next) {
      pending += 1;
      continue;
    }
    const realisedReturn = next.c / sorted[i]!.c - 1;
    const group = `${p.variant}|${String(p.version).padStart(8, '0')}`;
    const list = groups.get(group) ?? [];
    list.push({
      requestId: p.requestId,
      key: p.key,
      version: p.version,
      variant: p.variant,
      asOf: p.asOf,
      loggedAt: p.loggedAt,
      targetTime: new Date(next.t).toISOString(),
      prediction: p.prediction,
      realisedReturn,
      squaredError: (p.prediction - realisedReturn) ** 2,
      directionHit: Math.sign(p.prediction) !== 0 && Math.sign(p.prediction) === Math.sign(realisedReturn),
    });
    groups.set(group, list);
  }
  const outcomes: PredictionOutcome[] = [];
  for (const group of [...groups.keys()].sort()) {
    const list = groups
      .get(group)!
      .sort((a, b) => (a.asOf === b.asOf ? (a.requestId < b.requestId ? -1 : 1) : a.asOf < b.asOf ? -1 : 1));
    const { returns } = signBacktest(
      list.map((o) => o.prediction),
      list.map((o) => o.realisedReturn),
      options.costBps,
      PERIODS_PER_YEAR[options.timeframe],
    );
    list.forEach((o, i) => {
      outcomes.push({ ...o, netReturn: returns[i]! });
    });
  }
  return { outcomes, pending, unmatched };
}

/** Rolling live quality of one version (and variant) over its latest `window` outcomes. */
export interface LiveQuality {
  key: string;
  version: number;
  variant: PredictionVariant;
  samples: number;
  mse: number;
  directionalAccuracy: number;
  /** Sum of net returns over the window (simple, not compounded). */
  netPnl: number;
  from: string;
  to: string;
}

export function rollingQuality(outcomes: readonly PredictionOutcome[], window: number): LiveQuality[] {
  const byGroup = new Map<string, PredictionOutcome[]>();
  for (const o of outcomes) {
    const g = `${o.variant}|${o.version}`;
    byGroup.set(g, [...(byGroup.get(g) ?? []), o]);
  }
  return [...byGroup.values()].map((all) => {
    const last = all.slice(-window);
    const n = last.length;
    return {
      key: last[0]!.key,
      version: last[0]!.version,
      variant: last[0]!.variant,
      samples: n,
      mse: last.reduce((s, o) => s + o.squaredError, 0) / n,
      directionalAccuracy: last.filter((o) => o.directionHit).length / n,
      netPnl: last.reduce((s, o) => s + o.netReturn, 0),
      from: last[0]!.asOf,
      to: last[n - 1]!.asOf,
    };
  });
}
