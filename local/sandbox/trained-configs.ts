import { readJson, runRecordSchema, type ArtifactStore } from '../../core/artifacts/index.js';

/** What the run's shards trained, from their run records: configs in all, and how many of them data-parallel. */
export async function trainedConfigs(
  store: ArtifactStore,
  runId: string,
  shards: number,
): Promise<{ trained: number; dataParallel: number }> {
  let trained = 0;
  let dataParallel = 0;
  for (let i = 0; i < shards; i++) {
    const record = await readJson(store, `runs/${runId}-s${String(i).padStart(3, '0')}/run.json`, (v) =>
      runRecordSchema.parse(v),
    ).catch(() => undefined);
    trained += record?.results.length ?? 0;
    dataParallel += record?.results.filter((r) => (r.replicas ?? 1) > 1).length ?? 0;
  }
  return { trained, dataParallel };
}
