import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { awsClient } from '../../core/aws/clients.js';
import { requiredEnv } from '../../core/config/index.js';
import { retrainInputSchema, type RetrainInput } from './contracts.js';
import { overlappingRetrain } from './retrain-guard.js';
import { newRunId } from './tasks/snapshot.js';

export interface StartRetrainOptions {
  /** Defaults to RETRAIN_STATE_MACHINE_ARN. */
  stateMachineArn?: string;
  client?: SFNClient;
  now?: () => Date;
}

export interface StartedRetrain {
  runId: string;
  executionArn: string;
  /**
   * False when an execution with this run id exists with another input or has finished. (Repeating the
   * exact input of a running execution returns it, as StartExecution is idempotent.)
   */
  started: boolean;
  /** Set when a running execution for overlapping configs kept this one from starting (its ARN is executionArn). */
  alreadyRunning?: boolean;
}

/**
 * Starts a retrain execution for any trigger (schedule, drift alarm, new data, manual). The run id is
 * fixed here and used as the execution name, so one run id never starts two executions, and no execution
 * starts while another runs for any of the same configs. The sandbox runs the same input with runRetrainLocally
 * instead.
 */
export async function startRetrain(input: RetrainInput, options: StartRetrainOptions = {}): Promise<StartedRetrain> {
  const parsed = retrainInputSchema.parse(input);
  const runId = parsed.runId ?? newRunId((options.now ?? (() => new Date()))());
  const stateMachineArn =
    options.stateMachineArn ??
    requiredEnv('RETRAIN_STATE_MACHINE_ARN', process.env, 'startRetrain, unless given options.stateMachineArn');
  const client = options.client ?? awsClient(SFNClient);
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${runId}`;
  const running = await overlappingRetrain(client, stateMachineArn, parsed.configs);
  if (running) return { runId, executionArn: running, started: false, alreadyRunning: true };
  try {
    const res = await client.send(
      new StartExecutionCommand({ stateMachineArn, name: runId, input: JSON.stringify({ ...parsed, runId }) }),
    );
    return { runId, executionArn: res.executionArn ?? executionArn, started: true };
  } catch (err) {
    if (err instanceof ExecutionAlreadyExists) return { runId, executionArn, started: false };
    throw err;
  }
}
