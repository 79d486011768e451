import { ConcurrentModificationError, InvalidTransitionError } from '../../../core/registry/index.js';
import type { RunContext } from '../contracts.js';
import type { TrainingDeps } from '../deps.js';
import type { GateResult } from './gate.js';
import { runActor } from './registration.js';
import { writeRunDoc } from './run-docs.js';

export interface CanaryResult {
  canaries: { key: string; version: number }[];
  weight: number;
  since: string;
}

/** StartCanary: every promotable candidate becomes its model's canary at config.thresholds.canaryWeight. */
export async function startCanaries(deps: TrainingDeps, input: { run: RunContext; gate: Pick<GateResult, 'promotable'> }): Promise<CanaryResult> {
  const weight = deps.config.thresholds.canaryWeight;
  const since = deps.now().toISOString();
  const canaries: { key: string; version: number }[] = [];
  for (const { key, version } of input.gate.promotable) {
    const head = await deps.registry.getHead(key);
    if (head?.canary?.version !== version) await deps.registry.setCanary(key, version, weight, runActor(input.run));
    canaries.push({ key, version });
  }
  return { canaries, weight, since };
}

export interface BakeDecision {
  key: string;
  version: number;
  requests: number;
  errors: number;
  errorRate: number | null;
  verdict: 'promote' | 'rollback' | 'skip';
  reason: string;
}

/**
 * JudgeCanary: after the bake, each canary's live error rate (serving metrics for that version since
 * the canary started) against config.thresholds.canaryMaxErrorRate. No traffic is no evidence against
 * a model, so it promotes; the decision records that it saw none.
 */
export async function judgeCanaries(deps: TrainingDeps, input: { run: RunContext; canary: CanaryResult }): Promise<{ decisionsUri: string; decisions: BakeDecision[] }> {
  const maxErrorRate = deps.config.thresholds.canaryMaxErrorRate;
  const since = new Date(input.canary.since);
  const until = deps.now();
  const decisions: BakeDecision[] = [];
  for (const { key, version } of input.canary.canaries) {
    const head = await deps.registry.getHead(key);
    if (head?.canary?.version !== version) {
      decisions.push({ key, version, requests: 0, errors: 0, errorRate: null, verdict: 'skip', reason: 'canary was moved by someone else during the bake' });
      continue;
    }
    const { requests, errors } = await deps.liveMetrics.canaryStats(key, version, since, until);
    const errorRate = requests > 0 ? errors / requests : null;
    if (errorRate !== null && errorRate > maxErrorRate) {
      decisions.push({ key, version, requests, errors, errorRate, verdict: 'rollback', reason: `error rate ${errorRate.toFixed(4)} > ${maxErrorRate} over ${requests} requests` });
    } else {
      decisions.push({ key, version, requests, errors, errorRate, verdict: 'promote', reason: requests ? `error rate ${errorRate!.toFixed(4)} <= ${maxErrorRate} over ${requests} requests` : 'no live traffic during the bake' });
    }
  }
  const decisionsUri = await writeRunDoc(deps, input.run.runId, 'bake', { runId: input.run.runId, since: input.canary.since, until: until.toISOString(), maxErrorRate, decisions });
  return { decisionsUri, decisions };
}

export interface FinishResult {
  promoted: { key: string; version: number }[];
  rolledBack: { key: string; version: number; errorRate: number | null }[];
  skipped: { key: string; version: number; reason: string }[];
}

/** PromoteOrRollback: applies the bake verdicts, each guarded by the head revision it checked. */
export async function finishCanaries(deps: TrainingDeps, input: { run: RunContext; bake: { decisions: BakeDecision[] } }): Promise<FinishResult> {
  const out: FinishResult = { promoted: [], rolledBack: [], skipped: [] };
  const actor = runActor(input.run);
  for (const d of input.bake.decisions) {
    if (d.verdict === 'skip') {
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
        await deps.registry.promote(d.key, { who: actor.who, why: `${actor.why}; bake: ${d.reason}` }, { version: d.version, expectedRevision: head.revision });
        out.promoted.push({ key: d.key, version: d.version });
      } else {
        await deps.registry.rollback(d.key, { who: actor.who, why: `${actor.why}; bake: ${d.reason}` }, { target: 'canary', expectedRevision: head.revision });
        out.rolledBack.push({ key: d.key, version: d.version, errorRate: d.errorRate });
      }
    } catch (err) {
      if (!(err instanceof ConcurrentModificationError || err instanceof InvalidTransitionError)) throw err;
      out.skipped.push({ key: d.key, version: d.version, reason: err.message });
    }
  }
  return out;
}
