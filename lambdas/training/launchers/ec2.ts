import { DescribeInstancesCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { awsClientConfig } from '../../../core/aws/clients.js';
import type { SignalForgeConfig } from '../../../core/config/index.js';
import type { TrainerHandle } from '../contracts.js';
import { gpuRuntime, InsufficientCapacityError, instanceTypeOrder, isCapacityError, trainerCliArgs, trainerTags, type TrainerLaunchRequest, type TrainerLauncher, type TrainerProcessStatus } from './types.js';
import { ensureSpotServiceLinkedRole } from './spot-service-role.js';

export interface Ec2LauncherOptions {
  config: SignalForgeConfig;
  /** Launch template with the trainer AMI, instance profile and block devices (not network interfaces). */
  launchTemplateId: string;
  launchTemplateVersion?: string;
  /** Tried in order per instance type: capacity differs by AZ. */
  subnetIds: string[];
  securityGroupIds: string[];
  /** Where the trainer code lives on the instance. @default /opt/signalforge */
  workDir?: string;
  /**
   * Shell that prepares the instance (Node, trainer bundle, packages); RunInstances user data replaces
   * the template's, so the infra's setup script (TRAINER_SETUP_SCRIPT) is prepended. Without one the
   * code is assumed at workDir and only packages are installed.
   */
  setupScript?: string;
  client?: EC2Client;
  /** For the spot service-linked role (ensureSpotServiceLinkedRole). */
  iam?: IAMClient;
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * EC2 spot trainer: one-time spot request from the launch template, tagged; on capacity or price
 * errors it falls through config.training.instanceTypes (starting at the request's index) and subnets.
 */
export class Ec2SpotLauncher implements TrainerLauncher {
  readonly backend = 'ec2';
  private readonly client: EC2Client;
  private spotRole?: Promise<unknown>;

  constructor(private readonly options: Ec2LauncherOptions) {
    this.client = options.client ?? new EC2Client(awsClientConfig());
  }

  userData(request: TrainerLaunchRequest): string {
    const { config } = this.options;
    const args = trainerCliArgs(request, config, gpuRuntime(config)).map(shellQuote).join(' ');
    const workDir = this.options.workDir ?? '/opt/signalforge';
    // Setup follows gpu-trainer/README.md (Deep Learning AMI, Node >= 22, code at workDir). The instance
    // terminates itself when the trainer exits, so a finished or crashed trainer stops costing.
    const setup = this.options.setupScript ?? [`cd ${shellQuote(workDir)}`, 'npm ci --no-audit --no-fund', 'npm install --no-save --no-audit --no-fund @tensorflow/tfjs-node-gpu@4.22.0'].join('\n');
    return [
      '#!/bin/bash',
      setup,
      'exec >> /var/log/signalforge-trainer.log 2>&1',
      `cd ${shellQuote(workDir)}`,
      `export AWS_REGION=${shellQuote(config.region)} SIGNALFORGE_ENV=${shellQuote(config.envName)} SIGNALFORGE_CONFIG_JSON=${shellQuote(JSON.stringify(config))}`,
      // A failing trainer must still reach the shutdown below (the setup may have enabled errexit).
      `npm run train -- ${args} || echo "trainer exited with $?"`,
      'shutdown -h now',
      '',
    ].join('\n');
  }

  async launch(request: TrainerLaunchRequest): Promise<TrainerHandle> {
    const tags = Object.entries(trainerTags(request, this.options.config)).map(([Key, Value]) => ({ Key, Value }));
    // Once per container; a failure is not cached, so the next launch asks again.
    await (this.spotRole ??= ensureSpotServiceLinkedRole(this.options.iam ?? new IAMClient(awsClientConfig())).catch((err: unknown) => {
      this.spotRole = undefined;
      throw err;
    }));
    const failures: string[] = [];
    for (const { type, index } of instanceTypeOrder(this.options.config.training.instanceTypes, request.instanceTypeIndex)) {
      for (const subnetId of this.options.subnetIds) {
        try {
          const res = await this.client.send(
            new RunInstancesCommand({
              LaunchTemplate: { LaunchTemplateId: this.options.launchTemplateId, Version: this.options.launchTemplateVersion ?? '$Latest' },
              InstanceType: type as never,
              MinCount: 1,
              MaxCount: 1,
              SubnetId: subnetId,
              SecurityGroupIds: this.options.securityGroupIds,
              InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' } },
              UserData: Buffer.from(this.userData(request)).toString('base64'),
              TagSpecifications: [
                { ResourceType: 'instance', Tags: tags },
                { ResourceType: 'volume', Tags: tags },
              ],
              ClientToken: `${request.runId}-a${request.attempt}-${index}-${subnetId}`.slice(0, 64),
            }),
          );
          const instance = res.Instances?.[0];
          if (!instance?.InstanceId) throw new Error('RunInstances returned no instance');
          return { backend: this.backend, id: instance.InstanceId, instanceType: type, instanceTypeIndex: index, launchedAt: new Date().toISOString() };
        } catch (err) {
          if (!isCapacityError(err)) throw err;
          failures.push(`${type} in ${subnetId}: ${(err as Error).name}`);
        }
      }
    }
    throw new InsufficientCapacityError(`no spot capacity for ${request.runId}: ${failures.join('; ')}`);
  }

  async describe(handle: TrainerHandle): Promise<TrainerProcessStatus> {
    const res = await this.client.send(new DescribeInstancesCommand({ InstanceIds: [handle.id] }));
    const instance = res.Reservations?.[0]?.Instances?.[0];
    if (!instance) return { state: 'gone', reason: 'instance not found' };
    const state = instance.State?.Name;
    if (state === 'pending' || state === 'running') return { state: 'running' };
    return { state: 'gone', reason: `instance ${state}${instance.StateReason?.Code ? ` (${instance.StateReason.Code})` : ''}` };
  }

  async terminate(handle: TrainerHandle): Promise<void> {
    try {
      await this.client.send(new TerminateInstancesCommand({ InstanceIds: [handle.id] }));
    } catch (err) {
      if ((err as Error).name !== 'InvalidInstanceID.NotFound') throw err;
    }
  }
}
