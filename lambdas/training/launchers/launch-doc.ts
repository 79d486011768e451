import { z } from 'zod';
import type { SignalForgeConfig } from '../../../core/config/index.js';

/**
 * What an EC2 trainer instance needs for one run, written by the launcher to the artifact bucket
 * before RunInstances and found by the instance's user data through the `signalforge:launch-doc`
 * instance tag (IMDSv2). Keeps per-run data out of both the user data (which stays the launch
 * template's) and the Lambda environment (4 KB limit).
 */
export const LAUNCH_DOC_VERSION = 1;

export const launchDocSchema = z.object({
  version: z.literal(LAUNCH_DOC_VERSION),
  runId: z.string().min(1),
  attempt: z.number().int().min(1),
  /** The trainer CLI flags (gpu-trainer/cli.ts), one element per argv entry. */
  args: z.array(z.string()),
  /** The deployed config; the user data hands it to the trainer as SIGNALFORGE_CONFIG_FILE. */
  config: z.record(z.string(), z.unknown()),
  writtenAt: z.string(),
});
export type LaunchDoc = z.infer<typeof launchDocSchema>;

/** The instance tag naming the launch document's s3:// URI; the user data reads it from IMDS. */
export const LAUNCH_DOC_TAG = 'signalforge:launch-doc';
/** The instance tag naming the Step Functions execution the trainer belongs to (the sweeper asks it). */
export const EXECUTION_TAG = 'signalforge:execution';

export const launchDocKey = (runId: string, attempt: number) => `runs/${runId}/launch-a${attempt}.json`;
/** The user data derives this from the launch document's URI (launch-aN -> bootstrap-aN). */
export const bootstrapStatusKey = (runId: string, attempt: number) => `runs/${runId}/bootstrap-a${attempt}.json`;

/** Setup phases the user data reports, in order; `failed` carries the phase that failed in `detail`. */
export const BOOTSTRAP_PHASES = [
  'booted',
  'node',
  'bundle',
  'cuda',
  'packages',
  'gpu-check',
  'launch-doc',
  'training',
  'exited',
  'failed',
] as const;

/**
 * The setup heartbeat the user data writes (every phase change and every minute) until the trainer heartbeats itself.
 */
export const bootstrapStatusSchema = z.object({
  phase: z.enum(BOOTSTRAP_PHASES),
  at: z.string(),
  instanceId: z.string().optional(),
  detail: z.string().optional(),
});
export type BootstrapStatus = z.infer<typeof bootstrapStatusSchema>;

/**
 * How long a trainer instance may live: the shard's run budget plus the start-up grace and the
 * watchdog grace. The user data halts the instance at this age and the sweeper terminates any that
 * got past it.
 */
export function maxInstanceLifetimeMinutes(
  training: Pick<SignalForgeConfig['training'], 'maxRunHours' | 'startupGraceSeconds' | 'watchdogGraceMinutes'>,
): number {
  return Math.ceil(training.maxRunHours * 60 + training.startupGraceSeconds / 60) + training.watchdogGraceMinutes;
}
