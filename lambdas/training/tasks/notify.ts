import type { RetrainOutcome, RetrainSummary, RunContext, ShardOutcome } from '../contracts.js';
import type { TrainingDeps } from '../deps.js';
import type { EvaluationResult } from './evaluate.js';
import type { FinishResult } from './deployment.js';
import type { GateResult, RegistrationResult } from './registration.js';
import { writeRunDoc } from './run-docs.js';

/** The execution state as it reaches a Notify task; every part after `run` may be missing on a failure path. */
export interface NotifyState {
  trigger?: string;
  reason?: string;
  run?: RunContext;
  training?: ShardOutcome[];
  evaluation?: EvaluationResult;
  registration?: RegistrationResult;
  gate?: Pick<GateResult, 'rejected' | 'promotable'>;
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
  const failedShards = state.evaluation?.failedShards ?? (state.training ?? []).filter((s) => s.status !== 'succeeded').map((s) => s.shardId);
  return {
    runId: state.run?.runId,
    trigger: state.run?.trigger ?? state.trigger,
    reason: state.run?.reason ?? state.reason,
    outcome: outcomeOf(kind, state),
    registered: state.registration?.registered ?? [],
    promoted: state.finish?.promoted ?? [],
    rolledBack: state.finish?.rolledBack ?? [],
    rejected: (state.gate?.rejected ?? []).map((r) => ({ key: r.key, reason: r.reason })),
    failedShards,
    ...(state.failure ? { error: { Error: state.failure.Error, Cause: String(state.failure.Cause).slice(0, 4000) } } : {}),
  };
}

/** Notify: one message per run, success or failure, to the alert topic; the summary is also the execution's output. */
export async function notify(deps: TrainingDeps, input: { kind: 'outcome' | 'failure'; state: NotifyState }): Promise<RetrainSummary> {
  const summary = summarise(input.kind, input.state);
  if (summary.runId) summary.reportUri = await writeRunDoc(deps, summary.runId, 'summary', summary);
  const headline =
    summary.outcome === 'failed'
      ? `FAILED: ${summary.error?.Error ?? 'unknown error'}`
      : `${summary.outcome}: ${summary.promoted.length} promoted, ${summary.rolledBack.length} rolled back, ${summary.rejected.length} rejected`;
  await deps.notifier.publish(`SignalForge retrain ${summary.runId ?? '(no run id)'} ${headline}`, JSON.stringify(summary, null, 2));
  return summary;
}
