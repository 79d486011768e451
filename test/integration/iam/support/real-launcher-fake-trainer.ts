import { S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig } from '../../../../core/aws/clients.js';
import type { TrainerHandle } from '../../../../lambdas/training/contracts.js';
import type { TrainerLaunchRequest, TrainerLauncher } from '../../../../lambdas/training/launchers/index.js';
import { outsideHandler } from '../../../support/iam/index.js';
import { FakeTrainerLauncher, type SimClock } from '../../orchestration/support/fake-trainer.js';

/**
 * A real launcher (EC2 or SageMaker against moto) whose "instance" is the fake trainer: the launch,
 * describe and terminate calls are the task's own; what the trainer writes runs outside any task's
 * scope (it is the instance's or job's principal, not the Lambda's).
 */
export class RealLauncherFakeTrainer implements TrainerLauncher {
  readonly backend: string;
  constructor(
    private readonly launcher: TrainerLauncher,
    private readonly trainer: FakeTrainerLauncher,
  ) {
    this.backend = launcher.backend;
  }
  async launch(request: TrainerLaunchRequest): Promise<TrainerHandle> {
    const handle = await this.launcher.launch(request);
    // The trainer's records are written before the launch returns: a moto training job is complete at
    // once, and a check that saw the job gone before the record would take it for an interruption.
    await outsideHandler(async () => {
      await this.trainer.launch(request);
      await this.trainer.settle();
    });
    return handle;
  }
  describe(handle: TrainerHandle) {
    return this.launcher.describe(handle);
  }
  terminate(handle: TrainerHandle) {
    return this.launcher.terminate(handle);
  }
}

/**
 * The real launcher over the fake trainer both deployed-role runs use: shard s000's first attempt is interrupted,
 * so the stop-and-relaunch path runs under the roles too.
 */
export function interruptOnceFakeTrainer(
  launcher: TrainerLauncher,
  ctx: { artifactBucket: string; clock: SimClock },
): RealLauncherFakeTrainer {
  return new RealLauncherFakeTrainer(
    launcher,
    new FakeTrainerLauncher({
      s3: new S3Client(awsClientConfig()),
      artifactBucket: ctx.artifactBucket,
      clock: ctx.clock,
      heartbeatTimeoutSeconds: 60,
      behaviour: (r) => (r.shardId === 's000' && r.attempt === 1 ? 'interrupt' : 'succeed'),
      valMse: () => 0.5,
      skill: () => 0.5,
    }),
  );
}
