import { checkpointPrefix, runRecordKey, runRecordSchema, type RunRecord } from '../../../core/artifacts/index.js';
import type {
  FinishingShardState,
  RunContext,
  ShardOutcome,
  ShardState,
  TrainerHandle,
  TrainerStatus,
} from '../contracts.js';
import type { TrainingDeps } from '../deps.js';
import {
  bootstrapStatusKey,
  bootstrapStatusSchema,
  type BootstrapStatus,
  type TrainerLaunchRequest,
  type TrainerProcessStatus,
} from '../launchers/index.js';
import { recordEnd, recordLaunch } from '../cost/usage-ledger.js';
import { artifactStore } from './run-docs.js';

/** Trainer and orchestrator clocks differ a little; a heartbeat this much before launch still belongs to the launch. */
const CLOCK_SKEW_MS = 2_000;

export function launchRequestFor(deps: TrainingDeps, state: ShardState): TrainerLaunchRequest {
  const out = `s3://${deps.artifactBucket}`;
  return {
    runId: state.shard.shardRunId,
    configs: state.shard.configs,
    manifestUri: state.run.manifest.uri,
    outUri: out,
    checkpointUri: `${out}/${checkpointPrefix(state.shard.shardRunId)}`,
    resume: state.resume,
    attempt: state.attempt,
    instanceTypeIndex: state.instanceTypeIndex,
    epochs: state.run.epochs,
    parentRunId: state.run.runId,
    shardId: state.shard.shardId,
    ...(state.executionArn ? { executionArn: state.executionArn } : {}),
  };
}

/** LaunchTrainer: starts one trainer for the shard and returns the shard state with its handle. */
export async function launchTrainer(deps: TrainingDeps, state: ShardState): Promise<ShardState> {
  const trainer = await deps.launcher.launch(launchRequestFor(deps, state));
  await recordLaunch(deps, state, trainer);
  const { status: _previous, ...rest } = state;
  return {
    ...rest,
    trainer,
    instanceTypeIndex: trainer.instanceTypeIndex,
    firstLaunchedAt: state.firstLaunchedAt ?? trainer.launchedAt,
  };
}

export async function readRunRecord(deps: TrainingDeps, shardRunId: string): Promise<RunRecord | undefined> {
  const bytes = await artifactStore(deps).read(runRecordKey(shardRunId));
  if (!bytes) return undefined;
  const parsed = runRecordSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
  // A half-written or foreign record is no evidence of life; the heartbeat timeout still applies.
  return parsed.success ? parsed.data : undefined;
}

/**
 * The instance's setup heartbeat for this attempt (EC2 user data); undefined before the first one or on other backends.
 */
export async function readBootstrapStatus(
  deps: TrainingDeps,
  shardRunId: string,
  attempt: number,
): Promise<BootstrapStatus | undefined> {
  const bytes = await artifactStore(deps).read(bootstrapStatusKey(shardRunId, attempt));
  if (!bytes) return undefined;
  const parsed = bootstrapStatusSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
  return parsed.success ? parsed.data : undefined;
}

/**
 * Tells progress from death. The run record is the trainer's own word (status, heartbeat); the
 * launcher's view (instance/job/process gone) catches deaths the trainer could not report. A record
 * whose heartbeat predates this launch belongs to an earlier attempt and says nothing about this one.
 * Until the trainer's first heartbeat, a fresh instance is setting up (Node, bundle, CUDA wheels,
 * libtensorflow): it gets startupGraceSeconds from launch, and its own setup heartbeat (bootstrap
 * status) must stay younger than the heartbeat timeout; a setup that reported failure is dead at once.
 */
export function assessTrainer(input: {
  record: RunRecord | undefined;
  process: TrainerProcessStatus;
  trainer: TrainerHandle;
  firstLaunchedAt: string;
  now: Date;
  heartbeatTimeoutSeconds: number;
  startupGraceSeconds: number;
  maxRunHours: number;
  configsTotal: number;
  bootstrap?: BootstrapStatus;
}): TrainerStatus {
  const launchedAt = Date.parse(input.trainer.launchedAt);
  const record =
    input.record && Date.parse(input.record.heartbeatAt) >= launchedAt - CLOCK_SKEW_MS ? input.record : undefined;
  const lastSign = record ? Date.parse(record.heartbeatAt) : launchedAt;
  const heartbeatAgeSeconds = Math.max(0, Math.round((input.now.getTime() - lastSign) / 1000));
  const progress = {
    heartbeatAgeSeconds: record ? heartbeatAgeSeconds : null,
    configsDone: record?.configsDone ?? 0,
    configsTotal: record?.configsTotal ?? input.configsTotal,
  };
  if (record?.status === 'succeeded')
    return {
      state: 'succeeded',
      detail: `trained ${record.results.length} configs (${record.skipped.length} skipped)`,
      ...progress,
    };
  if (record?.status === 'failed')
    return { state: 'failed', detail: `trainer failed: ${record.error ?? 'no error message'}`, ...progress };
  if (record?.status === 'interrupted')
    return {
      state: 'interrupted',
      detail: `trainer reported an interruption${record.error ? `: ${record.error}` : ''}`,
      ...progress,
    };
  if (input.process.state === 'gone')
    return {
      state: 'interrupted',
      detail: `trainer stopped without finishing: ${input.process.reason ?? 'unknown reason'}`,
      ...progress,
    };
  const boot = record
    ? undefined
    : input.bootstrap && Date.parse(input.bootstrap.at) >= launchedAt - CLOCK_SKEW_MS
      ? input.bootstrap
      : undefined;
  if (record && heartbeatAgeSeconds > input.heartbeatTimeoutSeconds) {
    return {
      state: 'dead',
      detail: `no heartbeat for ${heartbeatAgeSeconds}s (limit ${input.heartbeatTimeoutSeconds}s)`,
      ...progress,
    };
  }
  if (!record) {
    if (boot?.phase === 'failed')
      return { state: 'dead', detail: `instance setup failed: ${boot.detail ?? 'no detail'}`, ...progress };
    if (heartbeatAgeSeconds > input.startupGraceSeconds) {
      return {
        state: 'dead',
        detail: `no trainer heartbeat ${heartbeatAgeSeconds}s after launch (startup grace ${input.startupGraceSeconds}s)${boot ? `; setup reached ${boot.phase}` : ''}`,
        ...progress,
      };
    }
    const bootAge = boot ? Math.max(0, Math.round((input.now.getTime() - Date.parse(boot.at)) / 1000)) : 0;
    if (boot && bootAge > input.heartbeatTimeoutSeconds) {
      return {
        state: 'dead',
        detail: `setup stalled in ${boot.phase}: no setup heartbeat for ${bootAge}s (limit ${input.heartbeatTimeoutSeconds}s)`,
        ...progress,
      };
    }
  }
  const runSeconds = (input.now.getTime() - Date.parse(input.firstLaunchedAt)) / 1000;
  if (runSeconds > input.maxRunHours * 3600) {
    return {
      state: 'expired',
      detail: `shard has run ${Math.round(runSeconds)}s, over maxRunHours ${input.maxRunHours}`,
      ...progress,
    };
  }
  return {
    state: 'running',
    detail: record
      ? `${record.status}: ${record.configsDone}/${record.configsTotal} configs`
      : boot
        ? `starting: ${boot.phase}`
        : 'starting',
    ...progress,
  };
}

/** CheckTrainer: the Wait loop's probe. */
export async function checkTrainer(deps: TrainingDeps, state: ShardState): Promise<TrainerStatus> {
  if (!state.trainer) throw new Error('CheckTrainer needs a launched trainer');
  // The launcher is asked first: a trainer that finishes between the two reads then shows as succeeded, not
  // interrupted.
  const process = await deps.launcher.describe(state.trainer);
  const record = await readRunRecord(deps, state.shard.shardRunId);
  const bootstrap = await readBootstrapStatus(deps, state.shard.shardRunId, state.attempt);
  return assessTrainer({
    bootstrap,
    startupGraceSeconds: deps.config.training.startupGraceSeconds,
    record,
    process,
    trainer: state.trainer,
    firstLaunchedAt: state.firstLaunchedAt ?? state.trainer.launchedAt,
    now: deps.now(),
    heartbeatTimeoutSeconds: deps.config.training.heartbeatTimeoutSeconds,
    maxRunHours: deps.config.training.maxRunHours,
    configsTotal: state.shard.configs.length,
  });
}

/**
 * PrepareRelaunch: stops what is left of the previous trainer and sets up the next attempt with
 * --resume. After an interruption or a dead instance the next attempt starts at the next instance type.
 */
export async function prepareRelaunch(deps: TrainingDeps, state: ShardState): Promise<ShardState> {
  if (state.trainer) await deps.launcher.terminate(state.trainer);
  if (state.trainer) await recordEnd(deps, state, state.trainer);
  const types = deps.config.training.instanceTypes.length;
  const moveOn = state.status?.state === 'interrupted' || state.status?.state === 'dead';
  const { trainer: _trainer, status: _status, ...rest } = state;
  return {
    ...rest,
    attempt: state.attempt + 1,
    resume: true,
    instanceTypeIndex: moveOn
      ? ((state.trainer?.instanceTypeIndex ?? state.instanceTypeIndex) + 1) % types
      : state.instanceTypeIndex,
  };
}

/**
 * StopRunTrainers: the Map-level catch, where the shards' handles are lost; stops whatever of this
 * run the launcher can still find by its tags. The sweeper remains the backstop for the rest.
 */
export async function stopRunTrainers(
  deps: TrainingDeps,
  input: { run: RunContext },
): Promise<{ terminated: string[] }> {
  return { terminated: (await deps.launcher.terminateRun?.(input.run.runId)) ?? [] };
}

/**
 * StopTrainer: every way out of a shard (succeeded, gave up, failed or caught) passes here, so no
 * instance outlives its shard even when its own halt did not happen. Terminating a gone trainer is a
 * no-op; the shard's outcome is returned unchanged.
 */
export async function stopTrainer(deps: TrainingDeps, state: FinishingShardState): Promise<ShardOutcome> {
  if (state.trainer) await deps.launcher.terminate(state.trainer);
  if (state.trainer) await recordEnd(deps, state, state.trainer);
  return state.outcome;
}
