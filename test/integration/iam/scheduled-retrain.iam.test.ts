import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { createStandInStateMachine } from '../../support/aws-fixtures.js';
import { asHandler, deployedApp, expectCallsAllowed } from '../../support/iam/index.js';

/**
 * The weekly schedule's target, as deployed: the schedule's own input through the Lambda entry, twice against a
 * retrain that keeps running, so the guard must hold the second; then every call against the function's role.
 */
describe('the weekly retrain schedule goes through the guarded retrain entry', () => {
  const { synth, app } = deployedApp();
  const scheduled = app.functionRole(synth.stacks.training.scheduledRetrain);
  const sfn = new SFNClient(awsClientConfig());
  let machine = '';
  const saved = process.env.RETRAIN_STATE_MACHINE_ARN;

  beforeAll(async () => {
    // Executions of this definition stay RUNNING for ten minutes.
    machine = await createStandInStateMachine({ waitSeconds: 600 });
    process.env.RETRAIN_STATE_MACHINE_ARN = machine;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.RETRAIN_STATE_MACHINE_ARN;
    else process.env.RETRAIN_STATE_MACHINE_ARN = saved;
  });

  it('starts one execution, refuses a second while it runs, and makes only calls its role allows', async () => {
    const { handler } = await import('../../../lambdas/training/scheduled-retrain.handler.js');
    // The schedule's target and input as synthesized: the function, not the state machine.
    const schedules = app.resourcesOfType('AWS::Scheduler::Schedule');
    const weekly = schedules.find((r) => String(r.props.Description).startsWith('Weekly retrain'))!;
    expect(JSON.stringify(weekly.props.Target.Arn)).toContain(scheduled.handler.split('/')[1]!);
    const event = JSON.parse(weekly.props.Target.Input);
    expect(event).toMatchObject({ trigger: 'schedule' });
    const first = await asHandler(scheduled.handler, () => handler(event));
    const second = await asHandler(scheduled.handler, () => handler(event));
    expect(first.started).toBe(true);
    expect(second).toMatchObject({ started: false, alreadyRunning: true, executionArn: first.executionArn });
    const executions = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }))).executions ?? [];
    expect(executions).toHaveLength(1);
    const deployedMachine = scheduled.environment.RETRAIN_STATE_MACHINE_ARN!;
    // The guard described the running execution: its deployed ARN has the deployed machine's name.
    const deployedExecution = `${deployedMachine.replace(':stateMachine:', ':execution:')}:${first.runId}`;
    const { checked } = await expectCallsAllowed(app, [scheduled], {
      exact: { [machine]: deployedMachine, [first.executionArn]: deployedExecution },
    });
    expect(checked).toBeGreaterThanOrEqual(3);
  });
});
