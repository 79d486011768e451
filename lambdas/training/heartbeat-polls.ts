/**
 * How often the retrain Map polls each shard's trainer, chosen so the largest configured run fits one
 * Standard execution's history. Kept free of runtime imports, like approval-polls.ts: the state machine
 * construct reads it at synth time.
 */
import { approvalPolls, HISTORY_EVENTS_PER_APPROVAL_POLL, type ApprovalTiming } from './approval-polls.js';

/** A Standard execution keeps at most this many history events; past it the execution fails. */
export const MAX_HISTORY_EVENTS = 25_000;

/**
 * Events one heartbeat poll of one shard adds: Wait (entered, exited), the CheckTrainer Lambda Task
 * (entered, scheduled, started, succeeded, exited) and the TrainerStatus Choice (entered, exited).
 * test/unit/orchestration/execution-history.test.ts counts them again from the synthesized definition.
 */
export const HISTORY_EVENTS_PER_HEARTBEAT_POLL = 9;

/**
 * Kept for what runs outside the loops, Task retries included: the top-level path once per execution
 * (counted from the definition: under 400 events) and each shard attempt's launch, relaunch and stop
 * (about 105). The test counts both again from the synthesized definition.
 */
export const NON_LOOP_EVENTS_PER_EXECUTION = 1_000;
export const NON_LOOP_EVENTS_PER_ATTEMPT = 120;

/** Longest poll allowed: a dead trainer is noticed within it. Beyond it the run must be made smaller. */
export const MAX_HEARTBEAT_POLL_SECONDS = 900;

export interface HeartbeatTiming {
  shards: number;
  maxAttempts: number;
  maxRunHours: number;
  /** The instance halts itself at maxRunHours plus this, so an attempt cannot poll longer. */
  watchdogGraceMinutes: number;
  heartbeatTimeoutSeconds: number;
  /** Manual approval's timing, when the run has the approval loop. */
  approval?: ApprovalTiming | undefined;
}

/** The longest one attempt of one shard can run before its instance halts itself. */
export function attemptSeconds(t: Pick<HeartbeatTiming, 'maxRunHours' | 'watchdogGraceMinutes'>): number {
  return t.maxRunHours * 3600 + t.watchdogGraceMinutes * 60;
}

/**
 * The poll interval: a fifth of the heartbeat timeout (15 to 120 s), lengthened when every shard polling
 * every attempt for its whole window would not fit the history left after the approval loop and the rest.
 * Throws when even MAX_HEARTBEAT_POLL_SECONDS does not fit.
 */
export function heartbeatPollSeconds(t: HeartbeatTiming): number {
  const preferred = Math.min(120, Math.max(15, Math.round(t.heartbeatTimeoutSeconds / 5)));
  const approvalEvents = t.approval ? approvalPolls(t.approval) * HISTORY_EVENTS_PER_APPROVAL_POLL : 0;
  const budget =
    MAX_HISTORY_EVENTS -
    NON_LOOP_EVENTS_PER_EXECUTION -
    t.shards * t.maxAttempts * NON_LOOP_EVENTS_PER_ATTEMPT -
    approvalEvents;
  // Polls per attempt: one per interval plus the first; the bound below keeps that +1 per attempt too.
  const pollsAllowed = Math.floor(budget / HISTORY_EVENTS_PER_HEARTBEAT_POLL) - t.shards * t.maxAttempts;
  const needed = Math.ceil((t.shards * t.maxAttempts * attemptSeconds(t)) / Math.max(1, pollsAllowed));
  const seconds = Math.max(preferred, needed);
  if (pollsAllowed <= 0 || seconds > MAX_HEARTBEAT_POLL_SECONDS) {
    throw new Error(
      `${t.shards} shards x ${t.maxAttempts} attempts x ${t.maxRunHours} h cannot be polled within one execution's ${MAX_HISTORY_EVENTS} history events at ${MAX_HEARTBEAT_POLL_SECONDS} s or less (needs ${seconds} s); raise training.configsPerShard or lower maxRunHours or maxAttempts`,
    );
  }
  return seconds;
}
