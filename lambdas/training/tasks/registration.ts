import type { Actor } from '../../../core/registry/index.js';
import type { Candidate, RunContext } from '../contracts.js';
import type { TrainingDeps } from '../deps.js';
import { readRunDoc, writeRunDoc } from './run-docs.js';

export function runActor(run: RunContext): Actor {
  return { who: `retrain:${run.runId}`, why: `${run.trigger}: ${run.reason}` };
}

export interface RegistrationResult {
  registeredUri: string;
  registered: { key: string; version: number }[];
}

/**
 * Register: one immutable registry version per candidate (idempotent per trainer run, so a retried task adds nothing).
 */
export async function registerCandidates(deps: TrainingDeps, input: { run: RunContext }): Promise<RegistrationResult> {
  const { run } = input;
  const { candidates } = await readRunDoc<{ candidates: Candidate[] }>(deps, run.runId, 'candidates');
  const registered: { key: string; version: number }[] = [];
  for (const c of candidates) {
    const version = await deps.registry.register(
      {
        key: c.key,
        artifactUri: c.artifactUri,
        metadataUri: c.metadataUri,
        sha256: c.sha256,
        metrics: c.metrics,
        hyperparameters: c.hyperparameters,
        datasetManifest: { id: c.datasetManifestId, uri: run.manifest.uri },
        codeVersion: c.codeVersion,
        ...(c.configHash ? { configHash: c.configHash } : {}),
        trainingRunId: c.shardRunId,
      },
      runActor(run),
    );
    registered.push({ key: c.key, version: version.version });
  }
  const registeredUri = await writeRunDoc(deps, run.runId, 'registered', { runId: run.runId, registered });
  return { registeredUri, registered };
}
