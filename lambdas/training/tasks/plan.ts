import type { RunContext, Shard } from '../contracts.js';
import type { TrainingDeps } from '../deps.js';

/** Splits the run's configs into shards of config.training.configsPerShard; one trainer instance per shard. */
export function planShards(deps: TrainingDeps, run: RunContext): { shards: Shard[]; shardCount: number } {
  const size = deps.config.training.configsPerShard;
  const shards: Shard[] = [];
  for (let i = 0; i * size < run.configs.length; i++) {
    const shardId = `s${String(i).padStart(3, '0')}`;
    shards.push({ shardId, shardRunId: `${run.runId}-${shardId}`, configs: run.configs.slice(i * size, (i + 1) * size) });
  }
  return { shards, shardCount: shards.length };
}
