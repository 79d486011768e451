import { Stack } from 'aws-cdk-lib';
import {
  BlockDeviceVolume,
  EbsDeviceVolumeType,
  InstanceInitiatedShutdownBehavior,
  InstanceType,
  LaunchTemplate,
  LaunchTemplateHttpTokens,
  MachineImage,
  OperatingSystemType,
  SecurityGroup,
  SpotInstanceInterruption,
  SpotRequestType,
  UserData,
} from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { grantObjectRead, grantObjectWrite } from '../data/data-grants.js';
import { dataNames } from '../data/data-names.js';
import type { SpotTrainerProps } from './spot-trainer-props.js';
import { TrainerBundle } from './trainer-bundle.js';
import { maxInstanceLifetimeMinutes } from '../../lambdas/training/launchers/launch-doc.js';
import { trainerUserData } from './trainer-user-data.js';

export type { SpotTrainerProps } from './spot-trainer-props.js';

export const DEFAULT_GPU_AMI_PARAMETER =
  '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id';

/**
 * Instance families the default AMI drives: `supported_ec2_instances` of the DLAMI Base OSS NVIDIA
 * Driver GPU AMI (Amazon Linux 2023) release notes (docs/INFRA.md). Not P3/P2/G3: the open-source
 * kernel driver does not drive Volta and older cards, so such an instance would boot without a GPU.
 */
export const DEFAULT_AMI_INSTANCE_FAMILIES = [
  'g4dn',
  'g5',
  'g6',
  'gr6',
  'g6e',
  'g7e',
  'p4d',
  'p4de',
  'p5',
  'p5e',
  'p5en',
] as const;

/** Fails synth when the default AMI would be launched on an instance type it does not drive. */
export function assertDefaultAmiDrives(instanceTypes: readonly string[]): void {
  const undriven = instanceTypes.filter(
    (t) => !(DEFAULT_AMI_INSTANCE_FAMILIES as readonly string[]).includes(t.split('.')[0]!),
  );
  if (undriven.length) {
    throw new Error(
      `training.instanceTypes ${undriven.join(', ')} are not driven by the default GPU AMI (${DEFAULT_AMI_INSTANCE_FAMILIES.join(', ')}); pick those families or pass amiParameterName with an AMI that drives them (docs/INFRA.md)`,
    );
  }
}

/**
 * GPU spot trainers: a launch template (spot, IMDSv2 only, encrypted root volume, terminate on
 * shutdown), the trainer bundle as an S3 asset, a least-privilege instance role, and the ordered
 * instance-type fallbacks the launcher walks through on capacity errors.
 */
export class SpotTrainer extends Construct {
  readonly launchTemplate: LaunchTemplate;
  readonly role: Role;
  readonly securityGroup: SecurityGroup;
  readonly bundle: TrainerBundle;
  /** The whole bootstrap (launch template user data); the launcher never overrides it. */
  readonly userDataScript: string;
  private readonly props: SpotTrainerProps;

  constructor(scope: Construct, id: string, props: SpotTrainerProps) {
    super(scope, id);
    this.props = props;
    if (!props.amiParameterName) assertDefaultAmiDrives(props.training.instanceTypes);
    const names = dataNames(props.envName);
    this.bundle = new TrainerBundle(this, 'Bundle');
    this.role = new Role(this, 'InstanceRole', {
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
      description: 'SignalForge GPU trainer: read the bundle and the lake, write checkpoints, run records and models',
    });
    // Exactly the bundle object, rather than Asset.grantRead's s3:GetObject* / s3:List* on the staging bucket.
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [
          `arn:${Stack.of(this).partition}:s3:::${this.bundle.asset.s3BucketName}/${this.bundle.asset.s3ObjectKey}`,
        ],
      }),
    );
    const lake = { bucketName: names.lakeBucket, key: props.dataKey };
    const artifacts = { bucketName: names.artifactBucket, key: props.dataKey };
    grantObjectRead(
      this.role,
      lake,
      [props.lakePrefix],
      'Trainers read the lake objects a dataset manifest lists (keys by symbol/date/offsets, chosen at run time); read-only and limited to the lake prefix.',
    );
    grantObjectRead(
      this.role,
      artifacts,
      ['runs'],
      'Trainers read their run record, dataset manifest and checkpoints under runs/<runId>/ to resume; the run id is chosen at run time.',
    );
    grantObjectWrite(
      this.role,
      artifacts,
      ['runs', 'models'],
      'Trainers write checkpoints and heartbeats under runs/<runId>/ and models under models/<SYMBOL>/<tf>/<runId>/; ids are chosen at run time.',
    );

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'SignalForge GPU trainers: no inbound; outbound HTTPS for S3, npm, PyPI and nodejs.org',
      allowAllOutbound: true,
    });

    this.userDataScript = trainerUserData({
      bundleS3Uri: `s3://${this.bundle.asset.s3BucketName}/${this.bundle.asset.s3ObjectKey}`,
      region: props.region,
      envName: props.envName,
      watchdogMinutes: maxInstanceLifetimeMinutes(props.training),
    });
    const userData = UserData.custom(this.userDataScript);

    const instanceType = props.training.instanceTypes[0]!;
    this.launchTemplate = new LaunchTemplate(this, 'LaunchTemplate', {
      launchTemplateName: `signalforge-${props.envName}-trainer`,
      instanceType: new InstanceType(instanceType),
      machineImage: MachineImage.fromSsmParameter(props.amiParameterName ?? DEFAULT_GPU_AMI_PARAMETER, {
        os: OperatingSystemType.LINUX,
      }),
      role: this.role,
      securityGroup: this.securityGroup,
      userData,
      spotOptions: { requestType: SpotRequestType.ONE_TIME, interruptionBehavior: SpotInstanceInterruption.TERMINATE },
      instanceInitiatedShutdownBehavior: InstanceInitiatedShutdownBehavior.TERMINATE,
      requireImdsv2: true,
      httpTokens: LaunchTemplateHttpTokens.REQUIRED,
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: true,
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: BlockDeviceVolume.ebs(props.rootVolumeGiB ?? 200, {
            encrypted: true,
            kmsKey: props.dataKey,
            volumeType: EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });
  }

  /** Instance types in fallback order (config.training.instanceTypes). */
  get instanceTypes(): string[] {
    return [...this.props.training.instanceTypes];
  }

  /**
   * Environment for the launch and relaunch Lambdas: only the ordered instance-type fallbacks (for
   * operators reading the console; the launcher itself walks config.training.instanceTypes). Per-run
   * parameters travel in the launch document, the bootstrap in the template's user data.
   */
  launcherEnvironment(): Record<string, string> {
    return { TRAINER_INSTANCE_TYPES: this.instanceTypes.join(',') };
  }
}
