import { S3Store, writeJson, readJson, type ArtifactStore } from '../../../core/artifacts/index.js';
import type { TrainingDeps } from '../deps.js';

/** Orchestration documents of a retrain run live beside the trainer's: `runs/<runId>/orchestration/<name>.json`. */
export function artifactStore(deps: TrainingDeps): ArtifactStore {
  return new S3Store(deps.artifactBucket, '', deps.s3);
}

export function runDocKey(runId: string, name: string): string {
  return `runs/${runId}/orchestration/${name}.json`;
}

export async function writeRunDoc(deps: TrainingDeps, runId: string, name: string, value: unknown): Promise<string> {
  return writeJson(artifactStore(deps), runDocKey(runId, name), value);
}

export async function readRunDoc<T>(deps: TrainingDeps, runId: string, name: string): Promise<T> {
  const doc = await readJson(artifactStore(deps), runDocKey(runId, name), (v) => v as T);
  if (doc === undefined) throw new Error(`missing ${runDocKey(runId, name)}`);
  return doc;
}
