import { describe, expect, it } from 'vitest';
import {
  defaultConfig,
  deepMerge,
  modelConfigKeys,
  parseConfig,
  type SignalForgeConfig,
} from '../../../core/config/index.js';
import { approvalPolls } from '../../../lambdas/training/approval-polls.js';
import {
  attemptSeconds,
  heartbeatPollSeconds,
  HISTORY_EVENTS_PER_HEARTBEAT_POLL,
  MAX_HISTORY_EVENTS,
} from '../../../lambdas/training/heartbeat-polls.js';
import { synthesizeRetrainDefinition } from '../../../local/stepfunctions/index.js';

type State = {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: { Next: string }[];
  Retry?: { MaxAttempts?: number }[];
  Catch?: { Next: string }[];
  Seconds?: number;
  ItemProcessor?: { StartAt: string; States: Record<string, State> };
};

/**
 * History events a state writes each time it runs (Step Functions' event types): a Lambda Task is
 * entered, scheduled, started, succeeded and exited; Pass, Wait and Choice are entered and exited;
 * a Map state is entered, started, succeeded and exited, and each iteration starts and succeeds.
 */
const EVENTS: Record<string, number> = { Task: 5, Pass: 2, Wait: 2, Choice: 2, Succeed: 2, Fail: 1, Map: 4 };
/** A retried Task attempt adds a failed, scheduled and started event. */
const EVENTS_PER_RETRY = 3;

function eventsOf(state: State): number {
  const events = EVENTS[state.Type];
  if (events === undefined) throw new Error(`no event count for state type ${state.Type}`);
  return events;
}

/** The states reachable from `from` by Next, Choice branches and Default that lead back to it: the loop. */
function loopThrough(states: Record<string, State>, from: string): string[] {
  const next = (s: State) =>
    [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next)].filter((n): n is string => Boolean(n));
  const path: string[] = [];
  const visit = (name: string, seen: string[]): boolean => {
    if (name === from && seen.length > 0) {
      path.push(...seen);
      return true;
    }
    if (seen.includes(name)) return false;
    return next(states[name]!).some((n) => visit(n, [...seen, name]));
  };
  visit(from, []);
  return path;
}

/**
 * The worst case of one execution, from the synthesized definition: every shard polls through every attempt
 * for the longest an attempt can run; every state outside the loops runs once per execution (top level)
 * or once per attempt (in the Map), each with all of its retries; the approval loop polls until its timeout.
 */
function worstCaseHistory(config: SignalForgeConfig) {
  const { definition } = synthesizeRetrainDefinition(config);
  const top = (definition as { States: Record<string, State> }).States;
  const iteration = top.TrainShards!.ItemProcessor!.States;
  const heartbeatLoop = loopThrough(iteration, 'WaitForTrainer');
  const loopEvents = heartbeatLoop.reduce((n, s) => n + eventsOf(iteration[s]!), 0);
  const pollSeconds = iteration.WaitForTrainer!.Seconds!;
  const t = config.training;
  const shards = Math.ceil(modelConfigKeys(config).length / t.configsPerShard);
  const pollsPerAttempt = Math.ceil(attemptSeconds(t) / pollSeconds) + 1;
  const heartbeat = shards * t.maxAttempts * pollsPerAttempt * loopEvents;

  const withRetries = (s: State) =>
    eventsOf(s) + EVENTS_PER_RETRY * (s.Retry ?? []).reduce((n, r) => n + (r.MaxAttempts ?? 3), 0);
  const perAttempt = Object.entries(iteration)
    .filter(([n]) => !heartbeatLoop.includes(n))
    .reduce((n, [, s]) => n + withRetries(s), 0);
  const approvalLoop = top.WaitForApproval ? loopThrough(top, 'WaitForApproval') : [];
  const approval = approvalLoop.length
    ? approvalPolls(config.promotion) * approvalLoop.reduce((n, s) => n + eventsOf(top[s]!), 0)
    : 0;
  const fixed = Object.entries(top)
    .filter(([n]) => !approvalLoop.includes(n))
    .reduce((n, [, s]) => n + withRetries(s), 0);
  const shardsFixed = shards * (2 + t.maxAttempts * perAttempt);
  return {
    loopStates: heartbeatLoop,
    loopEvents,
    pollSeconds,
    heartbeat,
    approval,
    fixed: fixed + shardsFixed,
    total: heartbeat + approval + fixed + shardsFixed,
  };
}

const sized = (overrides: object) => parseConfig(deepMerge(defaultConfig, overrides));

describe('the retrain execution history', () => {
  it('counts 9 events per heartbeat poll in the synthesized loop (Wait, CheckTrainer, TrainerStatus)', () => {
    const h = worstCaseHistory(defaultConfig);
    expect(h.loopStates).toEqual(['WaitForTrainer', 'CheckTrainer', 'TrainerStatus']);
    expect(h.loopEvents).toBe(HISTORY_EVENTS_PER_HEARTBEAT_POLL);
  });

  it.each([
    ['the default run (4 shards, 6 h, 3 attempts)', {}],
    ['the default run with manual approval', { promotion: { approval: 'manual' } }],
    ["10 shards for 12 hours (the issue's example)", { training: { configsPerShard: 10, maxRunHours: 12 } }],
    [
      '25 shards of 4 configs, 6 hours, 2 attempts, manual approval',
      { training: { configsPerShard: 4, maxAttempts: 2 }, promotion: { approval: 'manual' } },
    ],
  ])('%s fits the 25,000-event history in the worst case', (_, overrides) => {
    const h = worstCaseHistory(sized(overrides));
    expect(h.total).toBeLessThanOrEqual(MAX_HISTORY_EVENTS);
    // The poll is lengthened only as far as the history needs.
    expect(h.pollSeconds).toBeLessThanOrEqual(900);
  });

  it('keeps the 120 s poll where it fits and lengthens it where it does not', () => {
    expect(worstCaseHistory(defaultConfig).pollSeconds).toBe(120);
    // 10 shards x 12 h x 3 attempts at 120 s would be ~32,000 loop events alone.
    const big = sized({ training: { configsPerShard: 10, maxRunHours: 12 } });
    const h = worstCaseHistory(big);
    expect(h.pollSeconds).toBeGreaterThan(120);
    expect((h.heartbeat * h.pollSeconds) / 120).toBeGreaterThan(MAX_HISTORY_EVENTS);
  });

  it('refuses at synth a run too large for one execution at the longest poll', () => {
    const huge = sized({ training: { configsPerShard: 1, maxRunHours: 48 } });
    expect(() => heartbeatPollSeconds({ ...huge.training, shards: 100 })).toThrow(/raise training.configsPerShard/);
    expect(() => synthesizeRetrainDefinition(huge, { cacheDir: false })).toThrow(/execution's 25000 history events/);
  });
});
