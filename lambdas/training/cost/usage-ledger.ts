import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { ShardState, TrainerHandle } from '../contracts.js';
import type { TrainingDeps } from '../deps.js';
import { artifactStore, runDocKey } from '../tasks/run-docs.js';

/**
 * One trainer instance, job or process a retrain run started: what pricing needs (type, AZ, lifetime,
 * interruption) and which configs it trained, so its cost can be shared out per config.
 */
export const instanceUsageSchema = z.object({
  backend: z.string(),
  id: z.string(),
  instanceType: z.string().optional(),
  availabilityZone: z.string().optional(),
  launchedAt: z.string(),
  /** When the orchestrator saw it end (terminated it, or found it gone): billing stops at or before this. */
  terminatedAt: z.string().optional(),
  interrupted: z.boolean().default(false),
  endDetail: z.string().optional(),
  shardId: z.string(),
  attempt: z.number().int(),
  configs: z.array(z.string()),
});
export type InstanceUsage = z.infer<typeof instanceUsageSchema>;

const usageName = (handle: Pick<TrainerHandle, 'backend' | 'id'>) => `instances/${handle.backend}-${handle.id}`;

async function readUsage(deps: TrainingDeps, runId: string, handle: TrainerHandle): Promise<InstanceUsage | undefined> {
  const bytes = await artifactStore(deps).read(runDocKey(runId, usageName(handle)));
  return bytes ? instanceUsageSchema.parse(JSON.parse(new TextDecoder().decode(bytes))) : undefined;
}

async function writeUsage(deps: TrainingDeps, runId: string, usage: InstanceUsage): Promise<void> {
  await artifactStore(deps).write(runDocKey(runId, usageName(usage)), JSON.stringify(usage));
}

/** LaunchTrainer: the instance exists from now on. */
export async function recordLaunch(deps: TrainingDeps, state: ShardState, handle: TrainerHandle): Promise<void> {
  await writeUsage(deps, state.run.runId, {
    backend: handle.backend,
    id: handle.id,
    ...(handle.instanceType ? { instanceType: handle.instanceType } : {}),
    ...(handle.availabilityZone ? { availabilityZone: handle.availabilityZone } : {}),
    launchedAt: handle.launchedAt,
    interrupted: false,
    shardId: state.shard.shardId,
    attempt: state.attempt,
    configs: state.shard.configs,
  });
}

/** PrepareRelaunch and StopTrainer: the instance is terminated (first end wins; a retried task changes nothing). */
export async function recordEnd(deps: TrainingDeps, state: ShardState, handle: TrainerHandle): Promise<void> {
  const usage = await readUsage(deps, state.run.runId, handle);
  if (!usage || usage.terminatedAt) return;
  const interrupted = state.status?.state === 'interrupted';
  await writeUsage(deps, state.run.runId, {
    ...usage,
    terminatedAt: deps.now().toISOString(),
    interrupted,
    ...(state.status ? { endDetail: `${state.status.state}: ${state.status.detail}` } : {}),
  });
}

/** Every instance the run recorded. */
export async function listUsage(deps: TrainingDeps, runId: string): Promise<InstanceUsage[]> {
  const prefix = `${runDocKey(runId, 'instances/')}`.replace(/\.json$/, '');
  const usages: InstanceUsage[] = [];
  let token: string | undefined;
  do {
    const page = await deps.s3.send(
      new ListObjectsV2Command({ Bucket: deps.artifactBucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      const bytes = object.Key ? await artifactStore(deps).read(object.Key) : undefined;
      if (bytes) usages.push(instanceUsageSchema.parse(JSON.parse(new TextDecoder().decode(bytes))));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return usages;
}
