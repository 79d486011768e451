import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { startRetrain } from '../../../lambdas/training/start-retrain.js';
import { createStandInStateMachine, uniqueName } from '../../support/aws-fixtures.js';

describe('startRetrain against Step Functions (moto)', () => {
  it('starts an execution named by the run id with the trigger and reason, once per run id', async () => {
    const sfn = new SFNClient(awsClientConfig());
    const stateMachineArn = await createStandInStateMachine({ waitSeconds: 600 });
    const input = { trigger: 'drift' as const, reason: 'PSI 0.31 > 0.2 on AAPL#1h', runId: uniqueName('rt-drift') };
    const first = await startRetrain(input, { stateMachineArn });
    expect(first).toMatchObject({ runId: input.runId, started: true });
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    expect(execution.name).toBe(input.runId);
    expect(JSON.parse(execution.input!)).toMatchObject({
      trigger: 'drift',
      reason: 'PSI 0.31 > 0.2 on AAPL#1h',
      requestedBy: 'signalforge',
      runId: input.runId,
    });
    // Same name and input: Step Functions returns the running execution (StartExecution is idempotent).
    const again = await startRetrain(input, { stateMachineArn });
    expect(again.executionArn).toBe(first.executionArn);
    // Same run id for another reason: refused by name, reported as not started.
    const other = await startRetrain({ ...input, reason: 'a second alarm' }, { stateMachineArn });
    expect(other).toMatchObject({ runId: input.runId, started: false, executionArn: first.executionArn });
    const executions = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(executions.executions).toHaveLength(1);
  });

  it('rejects a trigger without a reason before calling AWS', async () => {
    await expect(
      startRetrain(
        { trigger: 'manual', reason: '' },
        { stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:x' },
      ),
    ).rejects.toThrow(/reason/);
  });
});
