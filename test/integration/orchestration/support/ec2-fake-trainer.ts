import type { TrainerHandle } from '../../../../lambdas/training/contracts.js';
import type {
  Ec2SpotLauncher,
  TrainerLaunchRequest,
  TrainerLauncher,
  TrainerProcessStatus,
} from '../../../../lambdas/training/launchers/index.js';
import type { FakeTrainerLauncher } from './fake-trainer.js';

/**
 * The real EC2 spot launcher (a moto instance per launch, launch document in S3, tags) with the fake
 * trainer's behaviour standing in for the process on it. The instance never halts itself here, so
 * an instance still running at the end is one the state machine (or the sweeper) failed to stop.
 */
export class Ec2BackedFakeLauncher implements TrainerLauncher {
  readonly backend = 'ec2';
  private readonly fakeHandles = new Map<string, TrainerHandle>();

  constructor(
    readonly ec2: Ec2SpotLauncher,
    readonly fake: FakeTrainerLauncher,
  ) {}

  async launch(request: TrainerLaunchRequest): Promise<TrainerHandle> {
    const instance = await this.ec2.launch(request);
    const process = await this.fake.launch(request);
    this.fakeHandles.set(instance.id, process);
    // The fake's clock, so a hung trainer's heartbeat ages against the launch time the check sees.
    return { ...instance, launchedAt: process.launchedAt };
  }

  async describe(handle: TrainerHandle): Promise<TrainerProcessStatus> {
    const instance = await this.ec2.describe(handle);
    if (instance.state === 'gone') return instance;
    return this.fake.describe(this.fakeHandles.get(handle.id)!);
  }

  async terminate(handle: TrainerHandle): Promise<void> {
    await this.ec2.terminate(handle);
    const process = this.fakeHandles.get(handle.id);
    if (process) await this.fake.terminate(process);
  }
}
