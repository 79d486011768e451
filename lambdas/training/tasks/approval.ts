import { InvalidTransitionError, versionStatus } from '../../../core/registry/index.js';
import { approvalPolls } from '../approval-polls.js';
import type { RunContext } from '../contracts.js';
import type { TrainingDeps } from '../deps.js';
import { runActor } from './registration.js';
import { writeRunDoc } from './run-docs.js';

type VersionRef = { key: string; version: number };

/**
 * `$.approval` of the manual-approval loop. `promotable` holds the approved versions, so StartCanary
 * reads it exactly as it reads the gate's result on the automatic path.
 */
export interface ApprovalState {
  requestedAt: string;
  deadline: string;
  polls: number;
  maxPolls: number;
  pending: VersionRef[];
  pendingCount: number;
  promotable: VersionRef[];
  approvedCount: number;
  rejected: (VersionRef & { reason: string })[];
}

function withCounts(state: Omit<ApprovalState, 'pendingCount' | 'approvedCount'>): ApprovalState {
  return { ...state, pendingCount: state.pending.length, approvedCount: state.promotable.length };
}

/**
 * RequestApproval: parks every candidate the gate passed as `pending-approval` in the registry. There is
 * no task token: the loop that follows polls the registry, which runs the same in AWS and locally.
 */
export async function requestApprovals(
  deps: TrainingDeps,
  input: { run: RunContext; gate: { promotable: VersionRef[] } },
): Promise<ApprovalState> {
  const { promotion } = deps.config;
  const maxPolls = approvalPolls(promotion);
  const now = deps.now();
  const actor = {
    who: runActor(input.run).who,
    why: `gate passed; waiting for a reviewer (manual approval, ${promotion.approvalTimeoutSeconds} s)`,
  };
  for (const { key, version } of input.gate.promotable) await deps.registry.requestApproval(key, version, actor);
  const state = withCounts({
    requestedAt: now.toISOString(),
    deadline: new Date(now.getTime() + promotion.approvalTimeoutSeconds * 1000).toISOString(),
    polls: 0,
    maxPolls,
    pending: input.gate.promotable.map(({ key, version }) => ({ key, version })),
    promotable: [],
    rejected: [],
  });
  await writeRunDoc(deps, input.run.runId, 'approval', state);
  return state;
}

/**
 * CheckApproval: one poll. Reads each pending version's approval; once the deadline or the poll budget
 * is reached, the ones still pending are rejected as timed out (recorded in the audit trail).
 */
export async function checkApprovals(
  deps: TrainingDeps,
  input: { run: RunContext; approval: ApprovalState },
): Promise<ApprovalState> {
  const previous = input.approval;
  const polls = previous.polls + 1;
  const timedOut = polls >= previous.maxPolls || deps.now().getTime() >= Date.parse(previous.deadline);
  const pending: VersionRef[] = [];
  const promotable = [...previous.promotable];
  const rejected = [...previous.rejected];
  for (const ref of previous.pending) {
    let version = await deps.registry.getVersion(ref.key, ref.version);
    if (version && versionStatus(version) === 'pending-approval' && timedOut) {
      const why = `approval timed out: no decision within ${deps.config.promotion.approvalTimeoutSeconds} s (${polls} polls)`;
      try {
        version = await deps.registry.expireApproval(ref.key, ref.version, { who: runActor(input.run).who, why });
      } catch (err) {
        // A reviewer decided between our read and the expiry; their decision stands.
        if (!(err instanceof InvalidTransitionError)) throw err;
        version = await deps.registry.getVersion(ref.key, ref.version);
      }
    }
    const approval = version?.approval;
    if (!version || !approval) rejected.push({ ...ref, reason: 'version or its approval record disappeared' });
    else if (approval.state === 'pending') pending.push(ref);
    else if (approval.state === 'approved') promotable.push(ref);
    else if (approval.state === 'timed-out') rejected.push({ ...ref, reason: approval.why ?? 'approval timed out' });
    else
      rejected.push({
        ...ref,
        reason: `rejected by ${approval.who ?? 'a reviewer'}: ${approval.why ?? 'no reason given'}`,
      });
  }
  const state = withCounts({ ...previous, polls, pending, promotable, rejected });
  if (state.pendingCount === 0) await writeRunDoc(deps, input.run.runId, 'approval', state);
  return state;
}

/** The one Lambda behind both approval states; the state machine says which step it is. */
export function approvalTask(
  deps: TrainingDeps,
  input:
    | { action: 'request'; run: RunContext; gate: { promotable: VersionRef[] } }
    | { action: 'check'; run: RunContext; approval: ApprovalState },
): Promise<ApprovalState> {
  return input.action === 'request' ? requestApprovals(deps, input) : checkApprovals(deps, input);
}
