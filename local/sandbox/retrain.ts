import type { S3Client } from '@aws-sdk/client-s3';
import type { SignalForgeConfig } from '../../core/config/index.js';
import type { LiveMetricsSource, ModelRegistry } from '../../core/registry/index.js';
import type { RetrainSummary, TrainerHandle } from '../../lambdas/training/contracts.js';
import type { TrainerLauncher } from '../../lambdas/training/launchers/index.js';
import { LocalProcessLauncher } from '../trainer/local-launcher.js';
import type { Notifier } from '../../lambdas/training/notifier.js';
import { scoreChampion } from '../../lambdas/training/tasks/champion.js';
import { createTaskHandlers } from '../../lambdas/training/tasks/index.js';
import type { StateMachinePath } from '../report/index.js';
import { runRetrainLocally, type RetrainStateEvent } from '../stepfunctions/index.js';
import { StatePathBuilder } from './state-path.js';

/** The local launcher, remembering every trainer it started so an interrupt can kill their process groups. */
export class TrackingLauncher implements TrainerLauncher {
  readonly backend: string;
  private readonly live = new Map<string, TrainerHandle>();
  launches = 0;

  constructor(private readonly inner: TrainerLauncher) {
    this.backend = inner.backend;
  }

  async launch(...args: Parameters<TrainerLauncher['launch']>): Promise<TrainerHandle> {
    const handle = await this.inner.launch(...args);
    this.live.set(handle.id, handle);
    this.launches += 1;
    return handle;
  }

  describe(handle: TrainerHandle) {
    return this.inner.describe(handle);
  }

  async terminate(handle: TrainerHandle): Promise<void> {
    await this.inner.terminate(handle);
    this.live.delete(handle.id);
  }

  async terminateAll(): Promise<void> {
    await Promise.all([...this.live.values()].map((h) => this.inner.terminate(h)));
    this.live.clear();
  }
}

export interface RetrainStageResult {
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  summary?: RetrainSummary;
  error?: string;
  path: StateMachinePath;
  shards: number;
}

export interface RunRetrainInput {
  config: SignalForgeConfig;
  s3: S3Client;
  registry: ModelRegistry;
  lakeBucket: string;
  artifactBucket: string;
  liveMetrics: LiveMetricsSource;
  launcher: TrackingLauncher;
  configs: string[];
  runId: string;
  notifier: Notifier;
  /** Every state event of the execution (entered, exited, failed, retried, caught), as it happens. */
  onState?: (event: RetrainStateEvent) => void;
  /** Aborts the execution (Ctrl-C); the stage then resolves with status ABORTED. */
  signal?: AbortSignal;
  /** Live traffic for the canaries while the bake waits (the deployed API gets it from clients). */
  onCanary?: () => Promise<void>;
  onTaskError?: (task: string, error: Error) => void;
}

/** Builds the sandbox's trainer launcher: the orchestrator's local process-group launcher, config passed on via env. */
export function sandboxLauncher(config: SignalForgeConfig, logDir: string): TrackingLauncher {
  return new TrackingLauncher(
    new LocalProcessLauncher({
      config,
      logDir,
      // The trainer loads its config like a deployed handler: the same JSON the in-process tasks use.
      env: { SIGNALFORGE_CONFIG_JSON: JSON.stringify(config), SIGNALFORGE_ENV: 'local' },
      // One worker per configured "GPU" (a core here), as the deployed launch runs one per GPU.
      runtime: { workers: config.training.gpusPerInstance, backend: 'wasm', spotWatch: false },
    }),
  );
}

/** One manual retrain execution of the CDK-synthesised definition, tasks in-process, trainer as local processes. */
export async function runRetrain(input: RunRetrainInput): Promise<RetrainStageResult> {
  const handlers = createTaskHandlers({
    config: input.config,
    s3: input.s3,
    lakeBucket: input.lakeBucket,
    artifactBucket: input.artifactBucket,
    registry: input.registry,
    launcher: input.launcher,
    notifier: input.notifier,
    liveMetrics: input.liveMetrics,
    // The gate re-scores production on each candidate's latest fold with onnxruntime, as the gate Lambda does.
    scoreChampion,
    now: () => new Date(),
  });
  // A Lambda's error reaches the execution only as Error/Cause; print it where the sandbox user sees it.
  for (const name of Object.keys(handlers) as (keyof typeof handlers)[]) {
    const inner = handlers[name];
    handlers[name] = async (event) => {
      try {
        return await inner(event);
      } catch (err) {
        input.onTaskError?.(name, err as Error);
        throw err;
      }
    };
  }
  let shards = 0;
  const plan = handlers.plan;
  handlers.plan = async (event) => {
    const out = (await plan(event)) as { shardCount: number };
    shards = out.shardCount;
    return out;
  };
  const canary = handlers.canary;
  handlers.canary = async (event) => {
    const out = await canary(event);
    await input.onCanary?.();
    return out;
  };
  const pathBuilder = new StatePathBuilder();
  const result = await runRetrainLocally({
    config: input.config,
    handlers,
    input: {
      trigger: 'manual',
      reason: 'npm start (local sandbox)',
      requestedBy: 'signalforge-sandbox',
      configs: input.configs,
      runId: input.runId,
    },
    pollMs: 1_000,
    ...(input.signal ? { signal: input.signal } : {}),
    onState: (event) => {
      pathBuilder.add(event);
      input.onState?.(event);
    },
  });
  const failure =
    result.status === 'ABORTED'
      ? 'execution aborted'
      : result.status !== 'SUCCEEDED'
        ? `${result.error}: ${result.cause}`
        : result.output?.error
          ? `${result.output.error.Error}: ${result.output.error.Cause}`
          : undefined;
  return {
    status: result.status,
    ...(result.output ? { summary: result.output } : {}),
    ...(failure ? { error: failure } : {}),
    path: pathBuilder.path(result.status, input.runId),
    shards,
  };
}
