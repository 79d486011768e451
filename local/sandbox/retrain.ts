import type { S3Client } from '@aws-sdk/client-s3';
import type { SignalForgeConfig } from '../../core/config/index.js';
import type { LiveMetricsSource, ModelRegistry } from '../../core/registry/index.js';
import type { RetrainSummary, TrainerHandle } from '../../lambdas/training/contracts.js';
import { LocalProcessLauncher, type TrainerLauncher } from '../../lambdas/training/launchers/index.js';
import type { Notifier } from '../../lambdas/training/notifier.js';
import { createTaskHandlers } from '../../lambdas/training/tasks/index.js';
import type { StateMachinePath, StateVisit } from '../report/index.js';
import { runRetrainLocally } from '../stepfunctions/index.js';

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

/** States the trainer poll loop repeats every second or so; the report shows each once with a count. */
const POLL_LOOP = new Set(['WaitForTrainer', 'CheckTrainer', 'TrainerStatus']);

/** Records the state path with times as states are entered; a state ends when the next one starts. */
export class PathRecorder {
  private readonly visits: (StateVisit & { repeats: number })[] = [];

  enter(name: string, type: string, at = new Date()): void {
    const last = this.visits[this.visits.length - 1];
    if (last && !last.exitedAt) last.exitedAt = at.toISOString();
    const earlier = POLL_LOOP.has(name) ? this.visits.findLast((v) => v.name === name) : undefined;
    if (earlier) {
      earlier.repeats += 1;
      earlier.exitedAt = undefined;
      // Keep the loop's states together: move it to the end so the next state closes it.
      this.visits.splice(this.visits.indexOf(earlier), 1);
      this.visits.push(earlier);
      return;
    }
    this.visits.push({ name, type, status: 'succeeded', enteredAt: at.toISOString(), repeats: 1 });
  }

  path(status: StateMachinePath['status'], executionName: string, failure?: string): StateMachinePath {
    const now = new Date().toISOString();
    const visits: StateVisit[] = this.visits.map(({ repeats, ...v }, i) => ({
      ...v,
      exitedAt: v.exitedAt ?? now,
      ...(repeats > 1 ? { detail: `${repeats} polls` } : {}),
      ...(status === 'FAILED' && i === this.visits.length - 1 ? { status: 'failed' as const, detail: failure } : {}),
    }));
    return { executionName, status, visits };
  }
}

export interface RetrainStageResult {
  status: 'SUCCEEDED' | 'FAILED';
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
  onState?: (name: string, type: string) => void;
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
  const recorder = new PathRecorder();
  const result = await runRetrainLocally({
    config: input.config,
    handlers,
    input: { trigger: 'manual', reason: 'npm start (local sandbox)', requestedBy: 'signalforge-sandbox', configs: input.configs, runId: input.runId },
    pollMs: 1_000,
    onState: (name, type) => {
      recorder.enter(name, type);
      input.onState?.(name, type);
    },
  });
  const failure = result.status === 'FAILED' ? `${result.error}: ${result.cause}` : result.output?.error ? `${result.output.error.Error}: ${result.output.error.Cause}` : undefined;
  return {
    status: result.status,
    ...(result.output ? { summary: result.output } : {}),
    ...(failure ? { error: failure } : {}),
    path: recorder.path(result.status, input.runId, failure),
    shards,
  };
}
