import { gateDecisionSchema, type GateDecision } from '../../../core/evaluation/index.js';
import type { RetrainOutcome, RetrainSummary, RunContext, ShardOutcome } from '../contracts.js';
import { costAtEnd } from '../cost/cost-at-end.js';
import type { TrainingDeps } from '../deps.js';
import type { ApprovalState } from './approval.js';
import type { EvaluationResult } from './evaluate.js';
import type { FinishResult } from './deployment.js';
import type { RegistrationResult } from './registration.js';
import type { QualityResult } from './quality-gate.js';
import { readRunDoc, writeRunDoc } from './run-docs.js';

/** The execution state as it reaches a Notify task; every part after `run` may be missing on a failure path. */
export interface NotifyState {
  trigger?: string;
  reason?: string;
  run?: RunContext;
  training?: ShardOutcome[];
  evaluation?: EvaluationResult;
  quality?: Pick<QualityResult, 'failing' | 'skippedKeys' | 'reportUri'>;
  registration?: RegistrationResult;
  gate?: { rejected: { key: string; reason: string }[]; promotable: { key: string; version: number }[] };
  /** The manual-approval loop's last state (manual promotion only). */
  approval?: Pick<ApprovalState, 'rejected' | 'promotable'>;
  finish?: FinishResult;
  failure?: { Error: string; Cause: string };
}

function outcomeOf(kind: 'outcome' | 'failure', state: NotifyState): RetrainOutcome {
  if (kind === 'failure') return 'failed';
  const promoted = state.finish?.promoted.length ?? 0;
  const rolledBack = state.finish?.rolledBack.length ?? 0;
  if (promoted === 0 && rolledBack === 0) return 'no-improvement';
  if (rolledBack === 0) return 'promoted';
  return promoted === 0 ? 'rolled-back' : 'partially-promoted';
}

export function summarise(kind: 'outcome' | 'failure', state: NotifyState): RetrainSummary {
  const failedShards =
    state.evaluation?.failedShards ??
    (state.training ?? []).filter((s) => s.status !== 'succeeded').map((s) => s.shardId);
  return {
    runId: state.run?.runId,
    trigger: state.run?.trigger ?? state.trigger,
    reason: state.run?.reason ?? state.reason,
    outcome: outcomeOf(kind, state),
    registered: state.registration?.registered ?? [],
    promoted: state.finish?.promoted ?? [],
    rolledBack: state.finish?.rolledBack ?? [],
    canaryVerdicts: state.finish?.canaryVerdicts ?? [],
    // Rejected by the gate, then by a reviewer or the approval timeout: each with its reason.
    rejected: [...(state.gate?.rejected ?? []), ...(state.approval?.rejected ?? [])].map((r) => ({
      key: r.key,
      reason: r.reason,
    })),
    failedShards,
    ...(state.quality?.skippedKeys?.length
      ? { skippedConfigs: state.quality.failing.filter((f) => state.quality!.skippedKeys.includes(f.key)) }
      : {}),
    ...(state.failure
      ? { error: { Error: state.failure.Error, Cause: String(state.failure.Cause).slice(0, 4000) } }
      : {}),
  };
}

/** One gate verdict as the notification shows it: the figures a reviewer checks first, and the reasons. */
export interface NotifiedDecision {
  key: string;
  version: number;
  verdict: GateDecision['verdict'];
  pValue: number | null;
  adjustedPValue: number | null;
  netSharpe: number;
  naiveNetSharpe: number;
  championLoss: number | null;
  candidateLoss: number | null;
  reasons: string[];
}

export function notifiedDecision(d: GateDecision): NotifiedDecision {
  return {
    key: d.key,
    version: d.version,
    verdict: d.verdict,
    pValue: d.dm?.pValue ?? null,
    adjustedPValue: d.dm?.adjustedPValue ?? null,
    netSharpe: d.netSharpe,
    naiveNetSharpe: d.naiveNetSharpe,
    championLoss: d.champion?.loss ?? null,
    candidateLoss: d.champion?.candidateLoss ?? null,
    reasons: d.reasons,
  };
}

/** The gate's decisions of the run (its `gate` run doc), or none when the run never got that far. */
async function gateDecisions(deps: TrainingDeps, state: NotifyState): Promise<NotifiedDecision[]> {
  if (!state.run || !state.gate) return [];
  const doc = await readRunDoc<{ decisions?: unknown[] }>(deps, state.run.runId, 'gate').catch(() => undefined);
  return (doc?.decisions ?? []).flatMap((d) => {
    const parsed = gateDecisionSchema.safeParse(d);
    return parsed.success ? [notifiedDecision(parsed.data)] : [];
  });
}

/**
 * Notify: one message per run, success or failure, to the alert topic; the summary is also the
 * execution's output. The message adds every gate verdict with its p-values, net Sharpe, champion score
 * and reasons, so the reader sees why each config was or was not promoted.
 */
export async function notify(
  deps: TrainingDeps,
  input: { kind: 'outcome' | 'failure'; state: NotifyState },
): Promise<RetrainSummary> {
  const summary = summarise(input.kind, input.state);
  if (summary.runId) summary.cost = await costAtEnd(deps, summary.runId, summary.registered);
  if (summary.runId) summary.reportUri = await writeRunDoc(deps, summary.runId, 'summary', summary);
  const headline =
    summary.outcome === 'failed'
      ? `FAILED: ${summary.error?.Error ?? 'unknown error'}`
      : `${summary.outcome}: ${summary.promoted.length} promoted, ${summary.rolledBack.length} rolled back, ${summary.rejected.length} rejected`;
  const decisions = await gateDecisions(deps, input.state);
  await deps.notifier.publish(
    `SignalForge retrain ${summary.runId ?? '(no run id)'} ${headline}`,
    JSON.stringify({ ...summary, decisions }, null, 2),
  );
  return summary;
}
