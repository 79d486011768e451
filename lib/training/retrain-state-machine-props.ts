import type { ISecurityGroup, ISubnet, ILaunchTemplate } from 'aws-cdk-lib/aws-ec2';
import type { ITable, ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { SignalForgeConfig } from '../../core/config/index.js';

/** Either DynamoDB table construct flavour; both grant the same way. */
export type IDynamoTable = ITable | ITableV2;

/**
 * Props of {@link RetrainStateMachine}. Every resource is passed in explicitly; the construct creates
 * only its task Lambdas, their log groups and roles, the state machine and its log group.
 *
 * @example
 * // As lib/training/training-stack.ts wires it: data-stack resources by name, the trainer from SpotTrainer.
 * const retrain = new RetrainStateMachine(this, 'Retrain', {
 *   config,
 *   lakeBucket: Bucket.fromBucketName(this, 'LakeBucket', names.lakeBucket),
 *   artifactBucket: Bucket.fromBucketName(this, 'ArtifactBucket', names.artifactBucket),
 *   registryTable: Table.fromTableName(this, 'RegistryTable', names.registryTable),
 *   alertTopic: props.alertTopic,
 *   encryptionKey: props.dataKey,
 *   trainerLaunchTemplate: spotTrainer.launchTemplate,
 *   trainerInstanceRole: spotTrainer.role,
 *   trainerSubnets,
 *   trainerSecurityGroup: spotTrainer.securityGroup,
 *   sagemakerRole: sagemaker.role,
 * });
 * retrain.grantStartExecution(driftFunction);
 */
export interface RetrainStateMachineProps {
  /**
   * The deployed config: thresholds, training settings (backend, instance types, attempts, heartbeat) and the universe.
   */
  readonly config: SignalForgeConfig;
  /** The S3 data lake the dataset snapshot and quality gate read (LAKE_BUCKET). */
  readonly lakeBucket: IBucket;
  /** Artifacts, run records, checkpoints and orchestration documents (ARTIFACT_BUCKET). */
  readonly artifactBucket: IBucket;
  /** The model registry table (pk/sk, gsi1) the register, gate and canary tasks write (REGISTRY_TABLE). */
  readonly registryTable: IDynamoTable;
  /** Where run summaries and failures are published (ALERT_TOPIC_ARN). */
  readonly alertTopic: ITopic;
  /**
   * The customer-managed key of the buckets, table and topic; the tasks get exactly the KMS actions they need on it,
   * and it encrypts the construct's log groups.
   */
  readonly encryptionKey: IKey;
  /**
   * EC2 backend: launch template with the trainer AMI, instance profile and block devices, but no
   * network interfaces (subnet and security group are set per launch). Required when config.training.backend is `ec2`.
   */
  readonly trainerLaunchTemplate?: ILaunchTemplate;
  /** The role inside the launch template's instance profile; the launch Lambda may pass it and nothing else. */
  readonly trainerInstanceRole?: IRole;
  /** Subnets trainers launch into (EC2 tries them in order per instance type; SageMaker uses them as VpcConfig). */
  readonly trainerSubnets?: ISubnet[];
  /** Security group for trainer instances and SageMaker jobs. */
  readonly trainerSecurityGroup?: ISecurityGroup;
  /** SageMaker backend: the training job's execution role. Required when config.training.backend is `sagemaker`. */
  readonly sagemakerRole?: IRole;
  /**
   * Seconds between heartbeat checks of a running trainer. @default heartbeatPollSeconds
   * (lambdas/training/heartbeat-polls.ts)
   */
  readonly pollIntervalSeconds?: number;
  /** Shards trained at once. @default maxConcurrentShards(config.training): spot-quota bound on EC2, 10 otherwise */
  readonly maxConcurrentShards?: number;
  /** @default `signalforge-<envName>-retrain` */
  readonly stateMachineName?: string;
}
