import {
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import { openStore } from '../../../core/artifacts/index.js';
import { awsClient } from '../../../core/aws/clients.js';
import type { SignalForgeConfig } from '../../../core/config/index.js';
import type { TrainerHandle } from '../contracts.js';
import {
  EXECUTION_TAG,
  LAUNCH_DOC_TAG,
  LAUNCH_DOC_VERSION,
  launchDocKey,
  launchDocSchema,
  type LaunchDoc,
} from './launch-doc.js';
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
import { runningTrainers } from './running-trainers.js';
import { ensureSpotServiceLinkedRole } from './spot-service-role.js';

export interface Ec2LauncherOptions {
  config: SignalForgeConfig;
  /** Launch template with the trainer AMI, instance profile and block devices (not network interfaces). */
  launchTemplateId: string;
  launchTemplateVersion?: string;
  /** Tried in order per instance type: capacity differs by AZ. */
  subnetIds: string[];
  securityGroupIds: string[];
  client?: EC2Client;
  /** For the spot service-linked role (ensureSpotServiceLinkedRole). */
  iam?: IAMClient;
  /** Writes the launch document to the artifact bucket (request.outUri). */
  s3?: S3Client;
}

/**
 * EC2 spot trainer: one-time spot request from the launch template, tagged; on capacity or price
 * errors it falls through config.training.instanceTypes (starting at the request's index) and subnets.
 * The template's user data is the whole bootstrap and is never overridden; the run's flags and config
 * go into a launch document in S3 whose URI is an instance tag (gpu-trainer reads it through IMDS).
 */
export class Ec2SpotLauncher implements TrainerLauncher {
  readonly backend = 'ec2';
  private readonly client: EC2Client;
  private spotRole?: Promise<unknown>;

  constructor(private readonly options: Ec2LauncherOptions) {
    this.client = options.client ?? awsClient(EC2Client);
  }

  /** The launch document for a request: the trainer flags (GPU runtime) and the deployed config. */
  launchDoc(request: TrainerLaunchRequest): LaunchDoc {
    const { config } = this.options;
    return launchDocSchema.parse({
      version: LAUNCH_DOC_VERSION,
      runId: request.runId,
      attempt: request.attempt,
      args: trainerCliArgs(request, config, gpuRuntime(config)),
      config,
      writtenAt: new Date().toISOString(),
    });
  }

  /** Writes the launch document before the instance exists, so its user data always finds it. */
  async writeLaunchDoc(request: TrainerLaunchRequest): Promise<string> {
    const store = openStore(request.outUri, this.options.s3);
    return store.write(
      launchDocKey(request.runId, request.attempt),
      JSON.stringify(this.launchDoc(request)),
      'application/json',
    );
  }

  async launch(request: TrainerLaunchRequest): Promise<TrainerHandle> {
    // Once per container; a failure is not cached, so the next launch asks again.
    this.spotRole ??= ensureSpotServiceLinkedRole(this.options.iam ?? awsClient(IAMClient)).catch((err: unknown) => {
      this.spotRole = undefined;
      throw err;
    });
    await this.spotRole;
    const launchDocUri = await this.writeLaunchDoc(request);
    const tagValues: Record<string, string> = {
      ...trainerTags(request, this.options.config),
      [LAUNCH_DOC_TAG]: launchDocUri,
    };
    if (request.executionArn) tagValues[EXECUTION_TAG] = request.executionArn;
    const tags = trainerTagList(tagValues);
    const { subnetIds } = this.options;
    const placements = instanceTypeOrder(this.options.config.training.instanceTypes, request.instanceTypeIndex).flatMap(
      ({ type, index }) => subnetIds.map((subnetId) => ({ type, index, subnetId, label: `${type} in ${subnetId}` })),
    );
    return launchOnFirstWithCapacity(
      placements,
      `no spot capacity for ${request.runId}`,
      async ({ type, index, subnetId }) => {
        const res = await this.client.send(
          new RunInstancesCommand({
            LaunchTemplate: {
              LaunchTemplateId: this.options.launchTemplateId,
              Version: this.options.launchTemplateVersion ?? '$Latest',
            },
            InstanceType: type as never,
            MinCount: 1,
            MaxCount: 1,
            SubnetId: subnetId,
            SecurityGroupIds: this.options.securityGroupIds,
            InstanceMarketOptions: {
              MarketType: 'spot',
              SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' },
            },
            TagSpecifications: [
              { ResourceType: 'instance', Tags: tags },
              { ResourceType: 'volume', Tags: tags },
            ],
            ClientToken: `${request.runId}-a${request.attempt}-${index}-${subnetId}`.slice(0, 64),
          }),
        );
        const instance = res.Instances?.[0];
        if (!instance?.InstanceId) throw new Error('RunInstances returned no instance');
        return {
          backend: this.backend,
          id: instance.InstanceId,
          instanceType: type,
          ...(instance.Placement?.AvailabilityZone ? { availabilityZone: instance.Placement.AvailabilityZone } : {}),
          instanceTypeIndex: index,
          launchedAt: (instance.LaunchTime ?? new Date()).toISOString(),
        };
      },
    );
  }

  async describe(handle: TrainerHandle): Promise<TrainerProcessStatus> {
    const res = await this.client.send(new DescribeInstancesCommand({ InstanceIds: [handle.id] }));
    const instance = res.Reservations?.[0]?.Instances?.[0];
    if (!instance) return { state: 'gone', reason: 'instance not found' };
    const state = instance.State?.Name;
    if (state === 'pending' || state === 'running') return { state: 'running' };
    return {
      state: 'gone',
      reason: `instance ${state}${instance.StateReason?.Code ? ` (${instance.StateReason.Code})` : ''}`,
    };
  }

  async terminateRun(parentRunId: string): Promise<string[]> {
    const instances = await runningTrainers(this.client, {
      'signalforge:env': this.options.config.envName,
      'signalforge:retrain-run': parentRunId,
    });
    const ids = instances.flatMap((i) => (i.InstanceId ? [i.InstanceId] : []));
    if (ids.length) await this.client.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    return ids;
  }

  async terminate(handle: TrainerHandle): Promise<void> {
    try {
      await this.client.send(new TerminateInstancesCommand({ InstanceIds: [handle.id] }));
    } catch (err) {
      if ((err as Error).name !== 'InvalidInstanceID.NotFound') throw err;
    }
  }
}
