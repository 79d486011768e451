import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { defaultConfig, deepMerge, type SignalForgeConfig } from '../../../core/config/index.js';
import {
  approvalPolls,
  HISTORY_EVENTS_PER_APPROVAL_POLL,
  MAX_APPROVAL_POLLS,
} from '../../../lambdas/training/approval-polls.js';
import { synthesizeRetrainDefinition } from '../../../local/stepfunctions/index.js';

type State = {
  Type: string;
  Next?: string;
  Seconds?: number;
  Parameters?: Record<string, unknown>;
  Choices?: { Variable: string; Next: string }[];
  Default?: string;
};
const manual = (promotion: Partial<SignalForgeConfig['promotion']> = {}) =>
  deepMerge(defaultConfig, { promotion: { approval: 'manual', ...promotion } }) as SignalForgeConfig;
const statesOf = (config: SignalForgeConfig) =>
  (synthesizeRetrainDefinition(config, { cacheDir: false }).definition as { States: Record<string, State> }).States;

// asl-validator ships no type declarations.
const validator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: () => string;
};

/** Step Functions Standard keeps at most this many events in one execution's history. */
const HISTORY_LIMIT = 25_000;

describe('manual approval in the retrain state machine', () => {
  it('auto: the gate goes straight to the canary, no approval states', () => {
    const states = statesOf(defaultConfig);
    expect(defaultConfig.promotion.approval).toBe('auto');
    expect(JSON.stringify(states.AnyPromotable)).toContain('"Next":"StartCanary"');
    for (const name of ['RequestApproval', 'WaitForApproval', 'CheckApproval', 'ApprovalDecided'])
      expect(states[name], name).toBeUndefined();
    expect(states.StartCanary!.Parameters).toMatchObject({ 'gate.$': '$.gate' });
  });

  it('manual: request, then Wait approvalPollSeconds -> check -> decided, looping while anything is pending; canary takes the approved', () => {
    const config = manual({ approvalPollSeconds: 600, approvalTimeoutSeconds: 86_400 });
    const { isValid, errorsText } = validator(synthesizeRetrainDefinition(config, { cacheDir: false }).definition);
    expect(isValid, errorsText()).toBe(true);
    const states = statesOf(config);
    expect(JSON.stringify(states.AnyPromotable)).toContain('"Next":"RequestApproval"');
    expect(states.RequestApproval).toMatchObject({ Type: 'Task', Next: 'ApprovalDecided' });
    expect(states.WaitForApproval).toMatchObject({ Type: 'Wait', Seconds: 600, Next: 'CheckApproval' });
    expect(states.CheckApproval).toMatchObject({ Type: 'Task', Next: 'ApprovalDecided' });
    const decided = states.ApprovalDecided!;
    expect(decided.Choices!.map((c) => [c.Variable, c.Next])).toEqual([
      ['$.approval.pendingCount', 'WaitForApproval'],
      ['$.approval.approvedCount', 'StartCanary'],
    ]);
    expect(decided.Default).toBe('NotifyOutcome');
    expect(states.StartCanary!.Parameters).toMatchObject({ 'gate.$': '$.approval' });
    expect(JSON.stringify(states)).not.toContain('waitForTaskToken');
  });

  it('bounds the history: the default worst case polls timeout/poll times and stays far under the 25,000-event limit', () => {
    const polls = approvalPolls(defaultConfig.promotion);
    expect(polls).toBe(
      Math.ceil(defaultConfig.promotion.approvalTimeoutSeconds / defaultConfig.promotion.approvalPollSeconds),
    );
    expect(polls).toBe(288);
    expect(polls * HISTORY_EVENTS_PER_APPROVAL_POLL).toBe(2_592);
    expect(MAX_APPROVAL_POLLS * HISTORY_EVENTS_PER_APPROVAL_POLL).toBeLessThanOrEqual(HISTORY_LIMIT / 5);
    // Polling every 5 s for a day would be 17,280 polls: synthesis refuses it with the fix in the message.
    expect(() => statesOf(manual({ approvalPollSeconds: 5, approvalTimeoutSeconds: 86_400 }))).toThrow(
      /17280 polls, over the 555.*approvalPollSeconds >= 156/,
    );
  });
});
