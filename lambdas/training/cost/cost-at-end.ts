import type { TrainingDeps } from '../deps.js';
import { priceRun, type RunCost } from './price-run.js';
import { listUsage } from './usage-ledger.js';

/** The run cost as the summary and the notification show it (the per-instance detail stays in the run doc). */
export type RunCostSummary = (Omit<RunCost, 'instances'> & { instances: number }) | { error: string };

/**
 * At the end of a run (the Notify task, on success and failure alike): prices every instance the run
 * started, and records each registered version's share in the registry. A pricing failure is reported in
 * the summary, never fails the notification.
 */
export async function costAtEnd(
  deps: TrainingDeps,
  runId: string,
  registered: readonly { key: string; version: number }[],
): Promise<RunCostSummary> {
  try {
    const cost = await priceRun(await listUsage(deps, runId), {
      config: deps.config,
      now: deps.now,
      spotPrices: deps.spotPrices,
      billableSeconds: deps.billableSeconds,
    });
    for (const { key, version } of registered) {
      const usd = cost.perConfigUsd[key];
      if (usd !== undefined)
        await deps.registry.recordTrainingCost(key, version, {
          usd,
          runId,
          runTotalUsd: cost.totalUsd,
          sources: cost.sources,
        });
    }
    const { instances, ...rest } = cost;
    return { ...rest, instances: instances.length };
  } catch (err) {
    return { error: `run not priced: ${err instanceof Error ? err.message : String(err)}` };
  }
}
