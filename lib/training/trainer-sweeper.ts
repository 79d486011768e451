import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { SignalForgeConfig } from '../../core/config/index.js';
import { SignalForgeFunction } from '../constructs/signalforge-function.js';
import { grantObjectRead } from '../data/data-grants.js';
import { acknowledgeWildcardResources } from '../nag/wildcard-acknowledgements.js';
import { runtimeEnvironment } from '../runtime-environment.js';

export interface TrainerSweeperProps {
  readonly config: SignalForgeConfig;
  readonly artifactBucketName: string;
  readonly dataKey: IKey;
  readonly logKey: IKey;
  /** Name of the retrain state machine whose executions trainers are tagged with. */
  readonly stateMachineName: string;
  /** @default 10 minutes */
  readonly every?: Duration;
}

/**
 * The backstop that no trainer instance outlives its run: a scheduled Lambda
 * (lambdas/training/sweeper.ts) that terminates this environment's trainers whose execution is no
 * longer RUNNING, whose attempt's run record finished, or that are older than the maximum lifetime.
 */
export class TrainerSweeper extends Construct {
  readonly function: SignalForgeFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: TrainerSweeperProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.function = new SignalForgeFunction(this, 'Function', {
      entry: 'lambdas/training/sweep-trainers.handler.ts',
      description: 'Terminate GPU trainer instances whose retrain run is over',
      timeout: Duration.seconds(120),
      memorySize: 256,
      config: props.config,
      environment: runtimeEnvironment({ ARTIFACT_BUCKET: props.artifactBucketName }),
      logKey: props.logKey,
    });
    const fn = this.function;
    fn.addToRolePolicy(new PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }));
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ec2:TerminateInstances'],
        resources: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })],
        conditions: {
          StringEquals: {
            'aws:ResourceTag/signalforge:env': props.config.envName,
            'aws:ResourceTag/project': 'signalforge',
          },
        },
      }),
    );
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${props.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    fn.addToRolePolicy(new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }));
    acknowledgeWildcardResources(
      fn,
      [executions],
      'Execution names are generated per run; the sweeper may only describe executions of the one retrain state machine.',
    );
    grantObjectRead(
      fn,
      { bucketName: props.artifactBucketName, key: props.dataKey },
      ['runs'],
      'The sweeper reads trainer run records under runs/<runId>/ to tell a finished attempt; run ids are chosen at run time.',
    );
    this.rule = new Rule(this, 'Schedule', {
      description: 'Sweep GPU trainer instances whose run is over',
      schedule: Schedule.rate(props.every ?? Duration.minutes(10)),
      targets: [new LambdaFunction(fn, { retryAttempts: 2 })],
    });
  }
}
