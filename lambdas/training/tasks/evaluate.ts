import { createHash } from 'node:crypto';
import { modelMetadataSchema, readUri } from '../../../core/artifacts/index.js';
import { mapLimit } from '../../../core/lake/index.js';
import type { Candidate, RunContext, ShardOutcome } from '../contracts.js';
import type { TrainingDeps } from '../deps.js';
import { writeRunDoc } from './run-docs.js';
import { readRunRecord } from './trainer.js';

/** The parts of metadata.json the orchestrator relies on; serving validates the rest. */
const metadataEssentials = modelMetadataSchema.pick({
  key: true,
  runId: true,
  onnx: true,
  hyperparameters: true,
  metrics: true,
  evaluation: true,
  dataset: true,
  codeVersion: true,
  configHash: true,
});

export interface EvaluationResult {
  candidatesUri: string;
  candidates: number;
  skipped: number;
  failedShards: string[];
  message: string;
}

/**
 * Evaluate: gathers every trained config from the succeeded shards' run records, checks each artifact
 * against its sha256 and the run's dataset manifest, and turns the trainer's walk-forward metrics
 * (pooled out-of-sample, model and baselines, net of costs; the refit's early-stopping MSE) into registry metrics.
 */
export async function evaluateCandidates(
  deps: TrainingDeps,
  input: { run: RunContext; training: ShardOutcome[] },
): Promise<EvaluationResult> {
  const { run, training } = input;
  const candidates: Candidate[] = [];
  const skipped: { key: string; reason: string }[] = [];
  const failedShards = training.filter((s) => s.status !== 'succeeded').map((s) => s.shardId);
  for (const outcome of training.filter((s) => s.status === 'succeeded')) {
    const record = await readRunRecord(deps, outcome.shardRunId);
    if (record?.status !== 'succeeded') {
      failedShards.push(outcome.shardId);
      continue;
    }
    skipped.push(...record.skipped);
    const checked = await mapLimit(record.results, 8, async (result) => {
      const metadata = metadataEssentials.parse(
        JSON.parse(new TextDecoder().decode(await readUri(result.metadataUri, deps.s3))),
      );
      const model = await readUri(result.artifactUri, deps.s3);
      const sha256 = createHash('sha256').update(model).digest('hex');
      if (sha256 !== result.sha256 || sha256 !== metadata.onnx.sha256)
        return { skip: { key: result.key, reason: `sha256 mismatch for ${result.artifactUri}` } };
      if (metadata.dataset.manifestId !== run.manifest.id) {
        return {
          skip: {
            key: result.key,
            reason: `trained on manifest ${metadata.dataset.manifestId}, run snapshot is ${run.manifest.id}`,
          },
        };
      }
      const { validation, test } = metadata.metrics;
      const candidate: Candidate = {
        key: result.key,
        shardRunId: outcome.shardRunId,
        artifactUri: result.artifactUri,
        metadataUri: result.metadataUri,
        sha256,
        metrics: {
          valMse: validation.model.mse,
          oosMse: test.model.mse,
          oosNaiveMse: test.naive.mse,
          oosDriftMse: test.drift.mse,
          oosMae: test.model.mae,
          oosDirectionalAccuracy: test.model.directionalAccuracy,
          oosHitRate: test.model.hitRate,
          oosNetSharpe: test.model.sharpe,
          oosNaiveNetSharpe: test.naive.sharpe,
          oosRoi: test.model.roi,
          oosMaxDrawdown: test.model.maxDrawdown,
          oosTurnover: test.model.turnover,
          oosSamples: test.model.samples,
          dmPValue: metadata.evaluation.dieboldMariano.pValue,
          deflatedSharpeProbability: metadata.evaluation.deflatedSharpe.probability,
        },
        hyperparameters: metadata.hyperparameters,
        datasetManifestId: metadata.dataset.manifestId,
        codeVersion: metadata.codeVersion,
        ...(metadata.configHash ? { configHash: metadata.configHash } : {}),
      };
      return { candidate };
    });
    for (const c of checked) {
      if ('candidate' in c && c.candidate) candidates.push(c.candidate);
      else if ('skip' in c && c.skip) skipped.push(c.skip);
    }
  }
  const candidatesUri = await writeRunDoc(deps, run.runId, 'candidates', {
    runId: run.runId,
    candidates,
    skipped,
    failedShards,
  });
  const message = candidates.length
    ? `${candidates.length} candidates, ${skipped.length} configs skipped, ${failedShards.length} shards failed`
    : `no candidates: ${failedShards.length} shards failed, ${skipped.length} configs skipped (${skipped
        .slice(0, 3)
        .map((s) => `${s.key}: ${s.reason}`)
        .join('; ')})`;
  return { candidatesUri, candidates: candidates.length, skipped: skipped.length, failedShards, message };
}
