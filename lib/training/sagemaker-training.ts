import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { grantObjectRead, grantObjectWrite } from '../data/data-grants.js';
import { dataNames } from '../data/data-names.js';
import { acknowledge } from '../nag/acknowledge.js';
import { acknowledgeWildcardResources, flattenReference } from '../nag/wildcard-acknowledgements.js';
import type { SageMakerTrainingProps } from './sagemaker-training-props.js';

export type { SageMakerTrainingProps } from './sagemaker-training-props.js';

/** What a CreateTrainingJob call needs, handed to the launcher as SAGEMAKER_SETTINGS_JSON. */
export interface SageMakerSettings {
  readonly roleArn: string;
  readonly imageUri: string | null;
  readonly instanceTypes: string[];
  /** Managed spot training: SageMaker waits for capacity and resumes from checkpoints. */
  readonly enableManagedSpotTraining: true;
  readonly maxRuntimeSeconds: number;
  /** Must exceed maxRuntimeSeconds; time SageMaker may wait for spot capacity plus run time. */
  readonly maxWaitSeconds: number;
  /** Checkpoints for run <runId> go to <checkpointS3Prefix><runId>/checkpoints/. */
  readonly checkpointS3Prefix: string;
  readonly outputS3Uri: string;
  readonly volumeKmsKeyId: string;
}

/**
 * The SageMaker alternative backend: an execution role limited to the lake and the run/model
 * prefixes, managed spot settings and the checkpoint URI, and a grant for the launcher.
 */
export class SageMakerTraining extends Construct {
  readonly role: Role;
  readonly settings: SageMakerSettings;

  constructor(scope: Construct, id: string, props: SageMakerTrainingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (props.training.backend === 'sagemaker' && !props.training.sagemakerImageUri) {
      throw new Error(
        "training.backend 'sagemaker' is experimental and needs training.sagemakerImageUri: this repository builds no trainer image. " +
          "Build and push one as docs/INFRA.md ('SageMaker backend') describes and set its URI, or use training.backend 'ec2'.",
      );
    }
    const names = dataNames(props.envName);
    this.role = new Role(this, 'ExecutionRole', {
      assumedBy: new ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'SignalForge SageMaker training jobs',
    });
    const lake = { bucketName: names.lakeBucket, key: props.dataKey };
    const artifacts = { bucketName: names.artifactBucket, key: props.dataKey };
    grantObjectRead(
      this.role,
      lake,
      [props.lakePrefix],
      'Training jobs read the lake objects a dataset manifest lists (keys chosen at run time); read-only, lake prefix only.',
    );
    grantObjectRead(
      this.role,
      artifacts,
      ['runs'],
      'Training jobs read manifests and checkpoints under runs/<runId>/ (run id chosen at run time).',
    );
    grantObjectWrite(
      this.role,
      artifacts,
      ['runs', 'models'],
      'Training jobs write checkpoints/run records under runs/<runId>/ and models under models/<SYMBOL>/<tf>/<runId>/.',
    );
    const jobLogs = `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:/aws/sagemaker/TrainingJobs:*`;
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [jobLogs],
      }),
    );
    acknowledge(
      this.role,
      `AwsSolutions-IAM5[Resource::${flattenReference(stack.resolve(jobLogs))}]`,
      'SageMaker writes job logs to streams named <job-name>/algo-N inside the fixed /aws/sagemaker/TrainingJobs group; the grant is that one group.',
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/TrainingJobs' } },
      }),
    );
    // ECR pulls of the trainer image; GetAuthorizationToken has no resource-level permissions.
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [`arn:${stack.partition}:ecr:${stack.region}:${stack.account}:repository/signalforge-*`],
      }),
    );
    acknowledge(
      this.role,
      `AwsSolutions-IAM5[Resource::${flattenReference(stack.resolve(`arn:${stack.partition}:ecr:${stack.region}:${stack.account}:repository/signalforge-*`))}]`,
      "Image pulls are limited to this account's signalforge-* ECR repositories, where the trainer image is pushed per environment.",
    );

    this.grantJobNetwork(props);
    // The training volume (ResourceConfig.VolumeKmsKeyId) and output are encrypted with the data key,
    // which SageMaker uses with this role; the grant it creates is for the job's volume.
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kms:CreateGrant'],
        resources: [props.dataKey.keyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': true } },
      }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'],
        resources: [props.dataKey.keyArn],
      }),
    );

    const maxRuntimeSeconds = Math.round(props.training.maxRunHours * 3600);
    this.settings = {
      roleArn: this.role.roleArn,
      imageUri: props.training.sagemakerImageUri ?? null,
      instanceTypes: props.training.instanceTypes.map((t) => `ml.${t}`),
      enableManagedSpotTraining: true,
      maxRuntimeSeconds,
      maxWaitSeconds: maxRuntimeSeconds * 2,
      checkpointS3Prefix: `s3://${names.artifactBucket}/runs/`,
      outputS3Uri: `s3://${names.artifactBucket}/models/`,
      volumeKmsKeyId: props.dataKey.keyArn,
    };
  }

  /**
   * Jobs with a VpcConfig get their ENIs from SageMaker acting as this role. Creation is pinned to the
   * trainer subnets and security group; the Describe calls have no resource-level
   * permissions, and interface ids exist only once created.
   */
  private grantJobNetwork(props: SageMakerTrainingProps): void {
    const stack = Stack.of(this);
    const ec2 = (resource: string) => `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:${resource}`;
    const eni = ec2('network-interface/*');
    const placement = [
      ...props.network.subnetIds.map((id) => ec2(`subnet/${id}`)),
      ec2(`security-group/${props.network.securityGroupId}`),
    ];
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['ec2:CreateNetworkInterface'], resources: [eni, ...placement] }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterfacePermission',
          'ec2:DeleteNetworkInterface',
          'ec2:DeleteNetworkInterfacePermission',
        ],
        resources: [eni],
      }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeVpcs',
          'ec2:DescribeDhcpOptions',
          'ec2:DescribeSubnets',
          'ec2:DescribeSecurityGroups',
        ],
        resources: ['*'],
      }),
    );
    acknowledgeWildcardResources(
      this.role,
      [eni],
      'SageMaker creates, shares and deletes the training job ENIs with this role; their ids exist only after creation, and creation is limited to the trainer subnets and security group in the same statement.',
    );
  }

  /** Environment for the launcher Lambda. */
  launcherEnvironment(): Record<string, string> {
    return { SAGEMAKER_ROLE_ARN: this.role.roleArn, SAGEMAKER_SETTINGS_JSON: JSON.stringify(this.settings) };
  }
}
