import { Duration, Stack } from 'aws-cdk-lib';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { type Schedule, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { scheduleLambda } from '../constructs/lambda-schedule.js';
import { SignalForgeFunction } from '../constructs/signalforge-function.js';
import { runtimeEnvironment } from '../runtime-environment.js';
import { grantRetrainStart } from './retrain-start-grant.js';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { dataNames } from '../data/data-names.js';
import { RetrainStateMachine, retrainStateMachineName } from './retrain-state-machine.js';
import type { Construct } from 'constructs';
import { SageMakerTraining } from './sagemaker-training.js';
import { SpotTrainer } from './spot-trainer.js';
import { TrainerSweeper } from './trainer-sweeper.js';
import type { TrainingStackProps } from './training-stack-props.js';

export type { TrainingStackProps } from './training-stack-props.js';

/**
 * Spot trainers, the SageMaker alternative, spot interruption events, and the retrain state machine with its weekly
 * schedule.
 */
export class TrainingStack extends Stack {
  readonly spotTrainer: SpotTrainer;
  readonly sagemaker: SageMakerTraining;
  readonly interruptionRule: Rule;
  readonly retrain: RetrainStateMachine;
  readonly retrainStateMachine: IStateMachine;
  readonly weeklyRetrain: Schedule;
  /** The weekly schedule's target: starts a retrain through the guarded retrain entry. */
  readonly scheduledRetrain: SignalForgeFunction;
  /** EC2 backend only: terminates trainer instances whose run is over. */
  readonly trainerSweeper?: TrainerSweeper;

  constructor(scope: Construct, id: string, props: TrainingStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.spotTrainer = new SpotTrainer(this, 'SpotTrainer', {
      training: config.training,
      envName: config.envName,
      // The region this stack deploys into, which `cdk deploy` may choose differently from config.region.
      region: this.region,
      vpc: props.vpc,
      subnets: props.trainerSubnets,
      dataKey: props.dataKey,
      lakePrefix: config.ingest.lakePrefix,
      amiParameterName: props.amiParameterName,
    });
    this.sagemaker = new SageMakerTraining(this, 'SageMaker', {
      training: config.training,
      envName: config.envName,
      dataKey: props.dataKey,
      lakePrefix: config.ingest.lakePrefix,
      // The launcher runs jobs in the trainer subnets with the trainer security group (TRAINER_SUBNET_IDS,
      // TRAINER_SECURITY_GROUP_IDS).
      network: {
        subnetIds: props.vpc.selectSubnets(props.trainerSubnets).subnetIds,
        securityGroupId: this.spotTrainer.securityGroup.securityGroupId,
      },
    });

    // Two-minute warnings before EC2 reclaims a spot instance. The trainer itself watches IMDS and
    // checkpoints, and the state machine relaunches with --resume; the rule tells people and feeds the dashboard.
    this.interruptionRule = new Rule(this, 'SpotInterruptionWarning', {
      description: 'EC2 Spot Instance Interruption Warning (SignalForge trainers checkpoint and are relaunched)',
      eventPattern: { source: ['aws.ec2'], detailType: ['EC2 Spot Instance Interruption Warning'] },
      targets: [new SnsTopic(props.alertTopic)],
    });

    const names = dataNames(config.envName);
    const trainerSubnets = props.vpc.selectSubnets(props.trainerSubnets).subnets;
    // Imported by their deterministic names so every grant resolves without cross-stack exports.
    this.retrain = new RetrainStateMachine(this, 'Retrain', {
      config,
      lakeBucket: Bucket.fromBucketName(this, 'LakeBucket', names.lakeBucket),
      artifactBucket: Bucket.fromBucketName(this, 'ArtifactBucket', names.artifactBucket),
      registryTable: Table.fromTableName(this, 'RegistryTable', names.registryTable),
      alertTopic: props.alertTopic,
      encryptionKey: props.dataKey,
      trainerLaunchTemplate: this.spotTrainer.launchTemplate,
      trainerInstanceRole: this.spotTrainer.role,
      trainerSubnets,
      trainerSecurityGroup: this.spotTrainer.securityGroup,
      sagemakerRole: this.sagemaker.role,
    });
    // Only the instance-type list: the bootstrap is the launch template's user data, per-run data a launch document in
    // S3.
    const launcherEnv =
      config.training.backend === 'sagemaker'
        ? this.sagemaker.launcherEnvironment()
        : this.spotTrainer.launcherEnvironment();
    for (const fn of [this.retrain.functions.launch, this.retrain.functions.relaunch]) {
      for (const [k, v] of Object.entries(launcherEnv)) fn.addEnvironment(k, v);
    }
    this.retrainStateMachine = this.retrain.stateMachine;
    if (config.training.backend === 'ec2') {
      this.trainerSweeper = new TrainerSweeper(this, 'TrainerSweeper', {
        config,
        artifactBucketName: names.artifactBucket,
        dataKey: props.dataKey,
        logKey: props.logKey,
        stateMachineName: this.retrain.stateMachine.stateMachineName,
      });
    }
    // The weekly schedule invokes the same retrain entry as the other triggers (startRetrain), whose guard keeps a
    // second execution from starting while one runs for the same configs.
    this.scheduledRetrain = new SignalForgeFunction(this, 'ScheduledRetrain', {
      entry: 'lambdas/training/scheduled-retrain.handler.ts',
      description: 'Weekly retrain through the retrain entry (skipped while one runs for the same configs)',
      timeout: Duration.seconds(60),
      memorySize: 256,
      config,
      environment: runtimeEnvironment({ RETRAIN_STATE_MACHINE_ARN: this.retrainStateMachine.stateMachineArn }),
      logKey: props.logKey,
    });
    grantRetrainStart(this.scheduledRetrain, this.retrainStateMachine, retrainStateMachineName(config.envName));
    this.weeklyRetrain = scheduleLambda(this, 'WeeklyRetrain', this.scheduledRetrain, {
      description: 'Weekly retrain of every model config',
      expression: config.schedules.retrain,
      input: ScheduleTargetInput.fromObject({
        trigger: 'schedule',
        reason: `weekly schedule ${config.schedules.retrain}`,
      }),
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
    });
  }
}
