import { TerminateInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { runningTrainers } from './launchers/running-trainers.js';
import type { S3Client } from '@aws-sdk/client-s3';
import { openStore, runRecordKey, runRecordSchema, type RunRecord } from '../../core/artifacts/index.js';
import type { SignalForgeConfig } from '../../core/config/index.js';
import { EXECUTION_TAG, maxInstanceLifetimeMinutes } from './launchers/launch-doc.js';

/** Run-record statuses after which the trainer process of that attempt is gone for good. */
const FINISHED: RunRecord['status'][] = ['succeeded', 'failed', 'interrupted'];

export interface SweepDeps {
  config: SignalForgeConfig;
  ec2: EC2Client;
  s3: S3Client;
  artifactBucket: string;
  /** Status of a Step Functions execution (`RUNNING`, `SUCCEEDED`, ...); undefined when it does not exist. */
  executionStatus: (executionArn: string) => Promise<string | undefined>;
  now: () => Date;
}

export interface SweepResult {
  /** Running or pending trainer instances of this environment that were looked at. */
  examined: string[];
  terminated: { instanceId: string; reason: string }[];
  /**
   * Instances whose run could not be judged this time (e.g. an execution it may not describe); kept, retried next
   * sweep.
   */
  errors: { instanceId: string; error: string }[];
}

const tagsOf = (instance: Instance) =>
  Object.fromEntries((instance.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

function trainerInstances(deps: SweepDeps): Promise<Instance[]> {
  return runningTrainers(deps.ec2, { project: 'signalforge', 'signalforge:env': deps.config.envName });
}

async function readRecord(deps: SweepDeps, trainerRunId: string): Promise<RunRecord | undefined> {
  const bytes = await openStore(`s3://${deps.artifactBucket}`, deps.s3).read(runRecordKey(trainerRunId));
  if (!bytes) return undefined;
  const parsed = runRecordSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
  return parsed.success ? parsed.data : undefined;
}

/** Why a trainer instance should no longer run, or undefined while its run may still need it. */
export async function sweepReason(deps: SweepDeps, instance: Instance): Promise<string | undefined> {
  const tags = tagsOf(instance);
  const ageMinutes = instance.LaunchTime ? (deps.now().getTime() - instance.LaunchTime.getTime()) / 60_000 : 0;
  const limit = maxInstanceLifetimeMinutes(deps.config.training);
  if (ageMinutes > limit) return `older than the maximum lifetime (${Math.round(ageMinutes)} > ${limit} minutes)`;
  const executionArn = tags[EXECUTION_TAG];
  if (executionArn) {
    const status = await deps.executionStatus(executionArn);
    if (status !== 'RUNNING') return `its execution is ${status ?? 'gone'}`;
  }
  const trainerRun = tags['signalforge:trainer-run'];
  if (trainerRun) {
    const record = await readRecord(deps, trainerRun);
    // Only this attempt's record counts: a relaunch starts while the previous attempt's record says failed.
    if (record && String(record.attempt) === tags['signalforge:attempt'] && FINISHED.includes(record.status))
      return `its run record says ${record.status}`;
  }
  return undefined;
}

/**
 * Terminates this environment's trainer instances whose run is over: execution no longer RUNNING
 * (aborted, timed out, failed, or a Map iteration lost), this attempt's run record finished, or
 * older than the maximum lifetime. The backstop for every path the state machine cannot clean up.
 */
export async function sweepTrainers(deps: SweepDeps): Promise<SweepResult> {
  const instances = await trainerInstances(deps);
  const terminated: SweepResult['terminated'] = [];
  const errors: SweepResult['errors'] = [];
  for (const instance of instances) {
    const instanceId = instance.InstanceId ?? '';
    try {
      const reason = await sweepReason(deps, instance);
      if (reason) terminated.push({ instanceId, reason });
    } catch (err) {
      // One instance that cannot be judged must not shield the others; the lifetime rule still catches it later.
      errors.push({ instanceId, error: `${(err as Error).name}: ${(err as Error).message}` });
    }
  }
  if (terminated.length)
    await deps.ec2.send(new TerminateInstancesCommand({ InstanceIds: terminated.map((t) => t.instanceId) }));
  return { examined: instances.map((i) => i.InstanceId ?? ''), terminated, errors };
}
