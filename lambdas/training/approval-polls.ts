/**
 * How long the manual-approval loop may poll. Kept free of runtime imports: the state machine construct
 * (which must bound its execution history) and the approval task (which ends the loop) both read it.
 */

/**
 * Step Functions history events one poll adds: Wait (entered, exited), the Lambda Task (entered,
 * scheduled, started, succeeded, exited) and the Choice (entered, exited).
 */
export const HISTORY_EVENTS_PER_APPROVAL_POLL = 9;

/**
 * A Standard execution keeps at most 25,000 history events; the approval loop gets at most a fifth of
 * them, so the trainer's heartbeat loop, the Map and retries keep the rest.
 */
export const MAX_APPROVAL_POLLS = Math.floor(25_000 / 5 / HISTORY_EVENTS_PER_APPROVAL_POLL);

export interface ApprovalTiming {
  approvalTimeoutSeconds: number;
  approvalPollSeconds: number;
}

/** Polls until the timeout: ceil(timeout / poll). Throws when that would outgrow the history budget. */
export function approvalPolls(timing: ApprovalTiming): number {
  const polls = Math.ceil(timing.approvalTimeoutSeconds / timing.approvalPollSeconds);
  if (polls > MAX_APPROVAL_POLLS) {
    throw new Error(
      `promotion.approvalTimeoutSeconds / approvalPollSeconds = ${polls} polls, over the ${MAX_APPROVAL_POLLS} that keep the execution history bounded; poll less often (approvalPollSeconds >= ${Math.ceil(timing.approvalTimeoutSeconds / MAX_APPROVAL_POLLS)})`,
    );
  }
  return polls;
}
