import type { RunContext, Shard } from '../contracts.js';
import type { TrainingDeps } from '../deps.js';

/**
 * Splits the run's configs into shards of config.training.configsPerShard; one trainer instance per shard.
 * Configs the data-quality gate skipped (`skippedKeys`) are left out.
 */
export function planShards(
  deps: TrainingDeps,
  run: RunContext,
  skippedKeys: readonly string[] = [],
): { shards: Shard[]; shardCount: number } {
  const size = deps.config.training.configsPerShard;
  const skipped = new Set(skippedKeys);
  const configs = run.configs.filter((k) => !skipped.has(k));
  const shards: Shard[] = [];
  for (let i = 0; i * size < configs.length; i++) {
    const shardId = `s${String(i).padStart(3, '0')}`;
    shards.push({ shardId, shardRunId: `${run.runId}-${shardId}`, configs: configs.slice(i * size, (i + 1) * size) });
  }
  return { shards, shardCount: shards.length };
}
