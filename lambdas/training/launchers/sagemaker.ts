import {
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
  StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { awsClient } from '../../../core/aws/clients.js';
import type { SignalForgeConfig } from '../../../core/config/index.js';
import type { TrainerHandle } from '../contracts.js';
import {
  gpuRuntime,
  instanceTypeOrder,
  launchOnFirstWithCapacity,
  trainerCliArgs,
  trainerTagList,
  trainerTags,
  type TrainerLaunchRequest,
  type TrainerLauncher,
  type TrainerProcessStatus,
} from './types.js';

export interface SageMakerLauncherOptions {
  config: SignalForgeConfig;
  roleArn: string;
  /** Trainer container image; config.training.sagemakerImageUri when omitted. */
  imageUri?: string;
  subnetIds?: string[];
  securityGroupIds?: string[];
  volumeKmsKeyId?: string;
  /** Run-time cap; config.training.maxRunHours when omitted. */
  maxRuntimeSeconds?: number;
  /** Spot wait plus run time; twice the run-time cap when omitted. */
  maxWaitSeconds?: number;
  client?: SageMakerClient;
}

/** SageMaker job names: 63 characters of [a-zA-Z0-9-]. */
export function trainingJobName(request: TrainerLaunchRequest): string {
  const suffix = `-a${request.attempt}`;
  return `${request.runId.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 63 - suffix.length)}${suffix}`;
}

/**
 * SageMaker managed-spot trainer: the same CLI as the container's arguments, checkpoints synced to
 * `checkpointUri`, and a wait budget above the run budget so spot interruptions are absorbed by
 * SageMaker itself before the state machine's relaunch takes over.
 */
export class SageMakerLauncher implements TrainerLauncher {
  readonly backend = 'sagemaker';
  private readonly client: SageMakerClient;

  constructor(private readonly options: SageMakerLauncherOptions) {
    this.client = options.client ?? awsClient(SageMakerClient);
  }

  async launch(request: TrainerLaunchRequest): Promise<TrainerHandle> {
    const { config } = this.options;
    const image = this.options.imageUri ?? config.training.sagemakerImageUri;
    if (!image) throw new Error('SageMaker launcher needs config.training.sagemakerImageUri');
    const maxRuntime = this.options.maxRuntimeSeconds ?? Math.round(config.training.maxRunHours * 3600);
    const maxWait = this.options.maxWaitSeconds ?? maxRuntime * 2;
    const name = trainingJobName(request);
    const placements = instanceTypeOrder(config.training.instanceTypes, request.instanceTypeIndex).map((p) => ({
      ...p,
      label: `ml.${p.type}`,
    }));
    return launchOnFirstWithCapacity(placements, `no SageMaker capacity for ${name}`, async ({ type, index }) => {
      await this.client.send(
        new CreateTrainingJobCommand({
          TrainingJobName: name,
          RoleArn: this.options.roleArn,
          AlgorithmSpecification: {
            TrainingImage: image,
            TrainingInputMode: 'File',
            ContainerEntrypoint: ['npm', 'run', 'train', '--'],
            ContainerArguments: trainerCliArgs(request, config, { ...gpuRuntime(config), spotWatch: false }),
          },
          ResourceConfig: {
            InstanceType: `ml.${type}` as never,
            InstanceCount: 1,
            VolumeSizeInGB: 50,
            VolumeKmsKeyId: this.options.volumeKmsKeyId,
          },
          OutputDataConfig: {
            S3OutputPath: `${request.outUri.replace(/\/$/, '')}/sagemaker/`,
            KmsKeyId: this.options.volumeKmsKeyId,
          },
          StoppingCondition: { MaxRuntimeInSeconds: maxRuntime, MaxWaitTimeInSeconds: maxWait },
          EnableManagedSpotTraining: true,
          CheckpointConfig: { S3Uri: request.checkpointUri, LocalPath: '/opt/ml/checkpoints' },
          // Environment values are capped at 512 characters, so the image carries its config profile
          // (SIGNALFORGE_ENV).
          Environment: { AWS_REGION: config.region, SIGNALFORGE_ENV: config.envName },
          ...(this.options.subnetIds?.length
            ? {
                VpcConfig: { Subnets: this.options.subnetIds, SecurityGroupIds: this.options.securityGroupIds ?? [] },
              }
            : {}),
          Tags: trainerTagList(trainerTags(request, config)),
        }),
      );
      return {
        backend: this.backend,
        id: name,
        instanceType: `ml.${type}`,
        instanceTypeIndex: index,
        launchedAt: new Date().toISOString(),
      };
    });
  }

  async describe(handle: TrainerHandle): Promise<TrainerProcessStatus> {
    const res = await this.client.send(new DescribeTrainingJobCommand({ TrainingJobName: handle.id }));
    if (res.TrainingJobStatus === 'InProgress') return { state: 'running' };
    return {
      state: 'gone',
      reason: `training job ${res.TrainingJobStatus}${res.FailureReason ? `: ${res.FailureReason}` : ''}`,
    };
  }

  async terminate(handle: TrainerHandle): Promise<void> {
    try {
      await this.client.send(new StopTrainingJobCommand({ TrainingJobName: handle.id }));
    } catch (err) {
      if ((err as Error).name !== 'ValidationException' && (err as Error).name !== 'ResourceNotFound') throw err;
    }
  }
}
