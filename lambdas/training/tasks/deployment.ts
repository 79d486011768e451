import { ConcurrentModificationError, InvalidTransitionError } from '../../../core/registry/index.js';
import type { RunContext } from '../contracts.js';
import type { TrainingDeps } from '../deps.js';
import type { GateResult } from './gate.js';
import { runActor } from './registration.js';
import { judgeOnOutcomes, type CanaryVerdict } from './outcome-bake.js';
import { writeRunDoc } from './run-docs.js';

export interface CanaryResult {
  canaries: { key: string; version: number }[];
  weight: number;
  since: string;
  /** Bakes already extended for insufficient evidence (config.deployment.maxBakeExtensions caps them). */
  extensions?: number;
}

/** StartCanary: every promotable candidate becomes its model's canary at config.thresholds.canaryWeight. */
export async function startCanaries(
  deps: TrainingDeps,
  input: { run: RunContext; gate: Pick<GateResult, 'promotable'> },
): Promise<CanaryResult> {
  const weight = deps.config.thresholds.canaryWeight;
  const since = deps.now().toISOString();
  const canaries: { key: string; version: number }[] = [];
  for (const { key, version } of input.gate.promotable) {
    const head = await deps.registry.getHead(key);
    if (head?.canary?.version !== version) await deps.registry.setCanary(key, version, weight, runActor(input.run));
    canaries.push({ key, version });
  }
  return { canaries, weight, since, extensions: 0 };
}

export interface BakeDecision {
  key: string;
  version: number;
  requests: number;
  errors: number;
  errorRate: number | null;
  /** `extend`: insufficient evidence with bake extensions left; the state machine bakes again. */
  verdict: 'promote' | 'rollback' | 'extend' | 'skip';
  reason: string;
  /** The test on realised outcomes behind the verdict (absent for `skip`). */
  outcome?: CanaryVerdict;
}

export interface BakeResult {
  decisionsUri: string;
  decisions: BakeDecision[];
  /** True while any canary waits for more evidence: the state machine re-enters the bake with `canary`. */
  extend: boolean;
  canary: CanaryResult;
}

/**
 * JudgeCanary: after the bake, each canary is judged on realised outcomes (core/live/verdict.ts): an error
 * rate over config.thresholds.canaryMaxErrorRate rolls back; too few outcomes (zero traffic included)
 * extends the bake up to config.deployment.maxBakeExtensions, then rejects (rolls back); otherwise the
 * paired (shadow) or unpaired (canary) test decides. Zero traffic never promotes.
 */
export async function judgeCanaries(
  deps: TrainingDeps,
  input: { run: RunContext; canary: CanaryResult },
): Promise<BakeResult> {
  const since = new Date(input.canary.since);
  const until = deps.now();
  const extensionsUsed = input.canary.extensions ?? 0;
  const decisions: BakeDecision[] = [];
  for (const { key, version } of input.canary.canaries) {
    const head = await deps.registry.getHead(key);
    if (head?.canary?.version !== version) {
      decisions.push({
        key,
        version,
        requests: 0,
        errors: 0,
        errorRate: null,
        verdict: 'skip',
        reason: 'canary was moved by someone else during the bake',
      });
      continue;
    }
    const { requests, errors } = await deps.liveMetrics.canaryStats(key, version, since, until);
    const outcome = await judgeOnOutcomes(deps, {
      key,
      version,
      productionVersion: head.production?.version,
      since,
      requests,
      errors,
      extensionsUsed,
    });
    const verdict = outcome.action === 'promote' ? 'promote' : outcome.action === 'extend' ? 'extend' : 'rollback';
    decisions.push({
      key,
      version,
      requests,
      errors,
      errorRate: requests > 0 ? errors / requests : null,
      verdict,
      reason: outcome.reason,
      outcome,
    });
  }
  const extend = decisions.some((d) => d.verdict === 'extend');
  const decisionsUri = await writeRunDoc(deps, input.run.runId, 'bake', {
    runId: input.run.runId,
    since: input.canary.since,
    until: until.toISOString(),
    extensionsUsed,
    decisions,
  });
  return {
    decisionsUri,
    decisions,
    extend,
    canary: { ...input.canary, extensions: extensionsUsed + (extend ? 1 : 0) },
  };
}

export interface FinishResult {
  promoted: { key: string; version: number }[];
  rolledBack: { key: string; version: number; errorRate: number | null }[];
  skipped: { key: string; version: number; reason: string }[];
  /** Every judged canary's verdict on outcomes: test, p-value, sample sizes, reason. */
  canaryVerdicts?: CanaryVerdict[];
}

/** PromoteOrRollback: applies the bake verdicts, each guarded by the head revision it checked. */
export async function finishCanaries(
  deps: TrainingDeps,
  input: { run: RunContext; bake: { decisions: BakeDecision[] } },
): Promise<FinishResult> {
  const out: FinishResult = {
    promoted: [],
    rolledBack: [],
    skipped: [],
    canaryVerdicts: input.bake.decisions.flatMap((d) => (d.outcome ? [d.outcome] : [])),
  };
  const actor = runActor(input.run);
  for (const d of input.bake.decisions) {
    if (d.verdict === 'skip' || d.verdict === 'extend') {
      out.skipped.push({ key: d.key, version: d.version, reason: d.reason });
      continue;
    }
    const head = await deps.registry.getHead(d.key);
    if (head?.canary?.version !== d.version) {
      out.skipped.push({ key: d.key, version: d.version, reason: 'canary moved before the verdict was applied' });
      continue;
    }
    try {
      if (d.verdict === 'promote') {
        await deps.registry.promote(
          d.key,
          { who: actor.who, why: `${actor.why}; bake: ${d.reason}` },
          { version: d.version, expectedRevision: head.revision },
        );
        out.promoted.push({ key: d.key, version: d.version });
      } else {
        await deps.registry.rollback(
          d.key,
          { who: actor.who, why: `${actor.why}; bake: ${d.reason}` },
          { target: 'canary', expectedRevision: head.revision },
        );
        out.rolledBack.push({ key: d.key, version: d.version, errorRate: d.errorRate });
      }
    } catch (err) {
      if (!(err instanceof ConcurrentModificationError || err instanceof InvalidTransitionError)) throw err;
      out.skipped.push({ key: d.key, version: d.version, reason: err.message });
    }
  }
  return out;
}
