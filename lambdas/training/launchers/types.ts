import type { SignalForgeConfig } from '../../../core/config/index.js';
import type { TrainerHandle } from '../contracts.js';

export interface TrainerLaunchRequest {
  /** The trainer's --run-id (one per shard, stable across relaunches so --resume finds its checkpoints). */
  runId: string;
  configs: string[];
  /** s3:// URI of the dataset manifest (--data). */
  manifestUri: string;
  /** Artifact root, `s3://<ARTIFACT_BUCKET>` (--out); run record at `<out>/runs/<runId>/run.json`. */
  outUri: string;
  /** Where the trainer checkpoints; SageMaker syncs it, the others pass it through the run record. */
  checkpointUri: string;
  resume: boolean;
  attempt: number;
  /** Index into config.training.instanceTypes to try first. */
  instanceTypeIndex: number;
  epochs: number;
  /** The retrain run this shard belongs to, for tags. */
  parentRunId: string;
  shardId: string;
  /** The Step Functions execution running this shard; tagged so the sweeper can tell when it is over. */
  executionArn?: string;
}

export interface TrainerProcessStatus {
  /** `gone`: the instance, job or process no longer runs (terminated, interrupted, exited). */
  state: 'running' | 'gone';
  reason?: string;
}

/** One way to run gpu-trainer somewhere: EC2 spot, SageMaker managed spot, or a local process group. */
export interface TrainerLauncher {
  readonly backend: 'ec2' | 'sagemaker' | 'local' | (string & {});
  launch(request: TrainerLaunchRequest): Promise<TrainerHandle>;
  describe(handle: TrainerHandle): Promise<TrainerProcessStatus>;
  /** Best effort; an already-gone trainer is not an error. */
  terminate(handle: TrainerHandle): Promise<void>;
  /**
   * Stops every trainer of a retrain run that still runs, found by its tags rather than by a handle
   * (the Map-level catch has lost the shards' state); returns their ids. Backends whose trainers
   * cannot be found that way leave it out.
   */
  terminateRun?(parentRunId: string): Promise<string[]>;
}

/** Every launcher ran out of instance types (capacity or price); the state machine retries later. */
export class InsufficientCapacityError extends Error {
  override readonly name = 'InsufficientCapacityError';
}

/** How the trainer runs on its machine. */
export interface TrainerRuntime {
  /** Worker processes: one per GPU. */
  workers: number;
  backend: 'wasm' | 'cpu' | 'tensorflow';
  /** Poll IMDS for a spot interruption notice and checkpoint before the instance goes. */
  spotWatch: boolean;
  /** Further flags, e.g. `--heartbeat-s 5` locally. */
  extraArgs?: string[];
}

/** GPU instance defaults: one worker per GPU, one config per worker, CUDA backend, spot watch on. */
export function gpuRuntime(config: SignalForgeConfig): TrainerRuntime {
  return { workers: config.training.gpusPerInstance, backend: 'tensorflow', spotWatch: true };
}

/** The config's search settings as trainer flags, so the launched command line shows how the run searches. */
export function searchCliArgs(search: SignalForgeConfig['training']['search']): string[] {
  return [
    '--trials',
    String(search.trials),
    '--search-seed',
    String(search.seed),
    '--reduction-factor',
    String(search.reductionFactor),
    '--min-epochs',
    String(search.minEpochs),
    '--budget-steps',
    String(search.budgetSteps),
    '--ensemble-size',
    String(search.ensembleSize),
  ];
}

/** The trainer CLI arguments (gpu-trainer/cli.ts) for a launch request; the same flags on every backend. */
export function trainerCliArgs(
  request: TrainerLaunchRequest,
  config: SignalForgeConfig,
  runtime: TrainerRuntime,
): string[] {
  const hp = config.training.hyperparameters;
  return [
    '--data',
    request.manifestUri,
    '--out',
    request.outUri,
    '--configs',
    request.configs.join(','),
    '--run-id',
    request.runId,
    '--workers',
    String(runtime.workers),
    // Replicas per config as the config says (auto: large configs data-parallel, small ones one per GPU).
    '--dp-size',
    String(config.training.dataParallel),
    '--backend',
    runtime.backend,
    '--epochs',
    String(request.epochs),
    '--checkpoint-every',
    String(hp.checkpointEverySteps),
    ...searchCliArgs(config.training.search),
    ...(runtime.spotWatch ? ['--spot-watch'] : []),
    ...(request.resume ? ['--resume'] : []),
    ...(runtime.extraArgs ?? []),
  ];
}

/** Tags every launched trainer carries, so cost and ownership are traceable from the console. */
export function trainerTags(request: TrainerLaunchRequest, config: SignalForgeConfig): Record<string, string> {
  return {
    project: 'signalforge',
    'signalforge:env': config.envName,
    'signalforge:retrain-run': request.parentRunId,
    'signalforge:shard': request.shardId,
    'signalforge:trainer-run': request.runId,
    'signalforge:attempt': String(request.attempt),
    'signalforge:configs': String(request.configs.length),
  };
}

export const CAPACITY_ERROR_CODES = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientCapacity',
  'InsufficientHostCapacity',
  'SpotMaxPriceTooLow',
  'MaxSpotInstanceCountExceeded',
  'InstanceLimitExceeded',
  'VcpuLimitExceeded',
  'Unsupported',
  'ResourceLimitExceeded',
  'CapacityError',
]);

export function isCapacityError(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; code?: string };
  return [e.name, e.Code, e.code].some((c) => c !== undefined && CAPACITY_ERROR_CODES.has(c));
}

/**
 * Instance types to try, starting at `start` and wrapping around, so a relaunch moves on from the type that was
 * reclaimed.
 */
export function instanceTypeOrder(types: readonly string[], start: number): { type: string; index: number }[] {
  return types.map((_, i) => {
    const index = (start + i) % types.length;
    return { type: types[index]!, index };
  });
}

/** Where one launch attempt goes: an instance type (its index in the config's list) and, for EC2, a subnet. */
export interface Placement {
  type: string;
  index: number;
  /** How a failure names it, e.g. `g5.12xlarge in subnet-1` or `ml.g5.12xlarge`. */
  label: string;
}

/**
 * Tries `placements` in order until one launches: a capacity error moves on to the next, anything else
 * propagates; when none had capacity, InsufficientCapacityError says why each failed, so the state machine
 * retries later.
 */
export async function launchOnFirstWithCapacity<P extends Placement, T>(
  placements: readonly P[],
  noCapacity: string,
  launch: (placement: P) => Promise<T>,
): Promise<T> {
  const failures: string[] = [];
  for (const placement of placements) {
    try {
      return await launch(placement);
    } catch (err) {
      if (!isCapacityError(err)) throw err;
      failures.push(`${placement.label}: ${(err as Error).name}`);
    }
  }
  throw new InsufficientCapacityError(`${noCapacity}: ${failures.join('; ')}`);
}

/** Trainer tags as the AWS APIs take them. */
export function trainerTagList(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
