import { Aws } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { acknowledgeWildcardResources } from '../nag/wildcard-acknowledgements.js';

/**
 * What a retrain trigger needs: StartExecution, plus ListExecutions and DescribeExecution, because
 * startRetrain refuses to start while an execution runs for the same configs (lambdas/training/retrain-guard.ts).
 * `stateMachineName` is the physical name (`signalforge-<env>-retrain`), so the execution ARN renders at synth.
 */
export function grantRetrainStart(grantee: IGrantable, stateMachine: IStateMachine, stateMachineName: string): void {
  stateMachine.grantStartExecution(grantee);
  const principal = grantee.grantPrincipal;
  principal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['states:ListExecutions'], resources: [stateMachine.stateMachineArn] }),
  );
  const executions = `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${stateMachineName}:*`;
  principal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }),
  );
  acknowledgeWildcardResources(
    grantee,
    [executions],
    'Execution names are run ids generated per trigger; the retrain guard only describes executions of this state machine to read their configs.',
  );
}
