import { dieboldMariano } from '../evaluation/index.js';
import type { PredictionOutcome } from './outcome-join.js';
import { welchTTest } from './welch.js';

export type DeploymentMode = 'canary' | 'shadow';

export interface VerdictSettings {
  mode: DeploymentMode;
  /** Fewest joined outcomes (pairs in shadow mode) before any verdict but rollback on errors. */
  minSamples: number;
  /** One-sided level of "the candidate is worse". */
  alpha: number;
  /** Relative loss improvement over production the candidate needs to be promoted. */
  margin: number;
  maxErrorRate: number;
  /** Bake extensions allowed while evidence is insufficient; then the candidate is rejected. */
  maxExtensions: number;
}

export interface VerdictInput {
  /** The candidate's outcomes in the bake window (variant canary or shadow). */
  candidate: readonly PredictionOutcome[];
  /** Production's outcomes in the same window; empty when the config has no production version yet. */
  production: readonly PredictionOutcome[];
  requests: number;
  errors: number;
  extensionsUsed: number;
}

export interface OutcomeVerdict {
  verdict: 'promote' | 'rollback' | 'insufficient';
  /** What the state machine does: insufficient evidence extends the bake until the extensions run out. */
  action: 'promote' | 'rollback' | 'extend' | 'reject';
  /** Diebold-Mariano on paired losses, Welch's t on unpaired ones; none when nothing was tested. */
  test: 'diebold-mariano' | 'welch' | 'none';
  /** Against what: the production version, or the naive zero forecast on the same bars when none serves. */
  benchmark: 'production' | 'naive';
  /** One-sided p-value of "the candidate's loss is higher"; null when not tested. */
  pValue: number | null;
  candidateSamples: number;
  benchmarkSamples: number;
  candidateLoss: number | null;
  benchmarkLoss: number | null;
  errorRate: number | null;
  reason: string;
}

function mean(x: readonly number[]): number {
  return x.length ? x.reduce((s, v) => s + v, 0) / x.length : Number.NaN;
}

/**
 * Pairs the losses the test compares. Shadow mode pairs candidate and production by request id (same
 * request, same bar). Without a production version the benchmark is the naive zero forecast on the
 * candidate's own requests, paired too: the gate judged the candidate against the same benchmark.
 * Canary mode with production is unpaired: the split sends each request to one alias.
 */
function losses(
  settings: VerdictSettings,
  input: VerdictInput,
): { paired: boolean; benchmark: 'production' | 'naive'; cand: number[]; bench: number[] } {
  if (input.production.length === 0) {
    return {
      paired: true,
      benchmark: 'naive',
      cand: input.candidate.map((o) => o.squaredError),
      bench: input.candidate.map((o) => o.realisedReturn ** 2),
    };
  }
  if (settings.mode === 'shadow') {
    const prod = new Map(input.production.map((o) => [o.requestId, o]));
    const cand: number[] = [];
    const bench: number[] = [];
    for (const o of input.candidate) {
      const p = prod.get(o.requestId);
      if (!p) continue;
      cand.push(o.squaredError);
      bench.push(p.squaredError);
    }
    return { paired: true, benchmark: 'production', cand, bench };
  }
  return {
    paired: false,
    benchmark: 'production',
    cand: input.candidate.map((o) => o.squaredError),
    bench: input.production.map((o) => o.squaredError),
  };
}

/**
 * The bake verdict on realised outcomes. Order matters: an error rate over the limit rolls back whatever
 * the outcomes say; too few outcomes is insufficient (zero traffic included), never a promotion; a
 * significantly worse candidate rolls back; a candidate that is not worse and clears the margin promotes;
 * anything else waits for more evidence, and is rejected once the extensions are spent.
 */
export function judgeOutcomes(settings: VerdictSettings, input: VerdictInput): OutcomeVerdict {
  const errorRate = input.requests > 0 ? input.errors / input.requests : null;
  const { paired, benchmark, cand, bench } = losses(settings, input);
  const base = { benchmark, candidateSamples: cand.length, benchmarkSamples: bench.length, errorRate };
  const insufficient = (reason: string, rest: Partial<OutcomeVerdict> = {}): OutcomeVerdict => {
    const last = input.extensionsUsed >= settings.maxExtensions;
    return {
      verdict: 'insufficient',
      action: last ? 'reject' : 'extend',
      test: 'none',
      pValue: null,
      candidateLoss: null,
      benchmarkLoss: null,
      ...base,
      ...rest,
      reason: `${reason}${last ? `; rejected after ${input.extensionsUsed} bake extensions` : `; bake extended (${input.extensionsUsed + 1}/${settings.maxExtensions})`}`,
    };
  };
  if (errorRate !== null && errorRate > settings.maxErrorRate) {
    return {
      verdict: 'rollback',
      action: 'rollback',
      test: 'none',
      pValue: null,
      candidateLoss: null,
      benchmarkLoss: null,
      ...base,
      reason: `error rate ${errorRate.toFixed(4)} > ${settings.maxErrorRate} over ${input.requests} requests`,
    };
  }
  if (cand.length < settings.minSamples || bench.length < settings.minSamples) {
    return insufficient(
      `insufficient evidence: ${cand.length} candidate and ${bench.length} ${benchmark} outcomes, need ${settings.minSamples} each`,
    );
  }
  // One-sided "candidate worse": DM with production as the model and the candidate as its benchmark.
  const test = paired ? 'diebold-mariano' : 'welch';
  const pValue = paired ? dieboldMariano(bench, cand).pValue : welchTTest(cand, bench).pGreater;
  const candidateLoss = mean(cand);
  const benchmarkLoss = mean(bench);
  const stats = { test, pValue, candidateLoss, benchmarkLoss } as const;
  const figures = `${test} p=${pValue.toPrecision(3)}, loss ${candidateLoss.toExponential(3)} vs ${benchmark} ${benchmarkLoss.toExponential(3)}, n=${cand.length}/${bench.length}`;
  if (pValue < settings.alpha)
    return {
      verdict: 'rollback',
      action: 'rollback',
      ...stats,
      ...base,
      reason: `significantly worse than ${benchmark} (${figures})`,
    };
  if (candidateLoss <= benchmarkLoss * (1 - settings.margin))
    return {
      verdict: 'promote',
      action: 'promote',
      ...stats,
      ...base,
      reason: `not worse and clears the ${settings.margin} margin (${figures})`,
    };
  return insufficient(`not worse but short of the ${settings.margin} margin (${figures})`, stats);
}
