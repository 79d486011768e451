import { readJson, runRecordSchema, type ArtifactStore, type SentimentAblation } from '../../core/artifacts/index.js';

/** Significance level at which the summary counts sentiment as having helped a config. */
export const ABLATION_ALPHA = 0.05;

/** The run's sentiment ablations in the summary's terms (field names are the external contract). */
export interface SentimentAblationSummary {
  /** Configs that trained with sentiment and were scored again without it. */
  configs: number;
  /** Of those, configs whose out-of-sample MSE was lower with sentiment. */
  better_with: number;
  /** Of those, configs where the Diebold-Mariano test says so at ABLATION_ALPHA. */
  significant: number;
  /**
   * Configs significantly better without sentiment (the same test the other way). Two fits differ by training noise
   * (initial weights, dropout masks, batch order) that the test does not see, so on data whose news carries nothing
   * both counts are well above ABLATION_ALPHA (13 and 21 of 100 in `--full` on today's data): sentiment earns its
   * place only where `significant` clearly exceeds this.
   */
  significant_without: number;
}

export interface TrainedConfigs {
  trained: number;
  dataParallel: number;
  ablations: ({ key: string } & SentimentAblation)[];
}

/** What the run's shards trained, from their run records: configs in all, how many data-parallel, the ablations. */
export async function trainedConfigs(store: ArtifactStore, runId: string, shards: number): Promise<TrainedConfigs> {
  let trained = 0;
  let dataParallel = 0;
  const ablations: TrainedConfigs['ablations'] = [];
  for (let i = 0; i < shards; i++) {
    const record = await readJson(store, `runs/${runId}-s${String(i).padStart(3, '0')}/run.json`, (v) =>
      runRecordSchema.parse(v),
    ).catch(() => undefined);
    trained += record?.results.length ?? 0;
    dataParallel += record?.results.filter((r) => (r.replicas ?? 1) > 1).length ?? 0;
    for (const r of record?.results ?? [])
      if (r.sentimentAblation) ablations.push({ key: r.key, ...r.sentimentAblation });
  }
  return { trained, dataParallel, ablations };
}

export function summariseAblations(ablations: readonly SentimentAblation[]): SentimentAblationSummary {
  const better = ablations.filter((a) => a.withSentimentMse < a.withoutSentimentMse);
  return {
    configs: ablations.length,
    better_with: better.length,
    significant: better.filter((a) => a.dieboldMariano.pValue < ABLATION_ALPHA).length,
    // The one-sided p is of "sentiment is no better": near 1 when the model without it is better.
    significant_without: ablations.filter(
      (a) => a.withSentimentMse > a.withoutSentimentMse && a.dieboldMariano.pValue > 1 - ABLATION_ALPHA,
    ).length,
  };
}
