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

/** Register: one immutable registry version per candidate (idempotent per trainer run, so a retried task adds nothing). */
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
        trainingRunId: c.shardRunId,
      },
      runActor(run),
    );
    registered.push({ key: c.key, version: version.version });
  }
  const registeredUri = await writeRunDoc(deps, run.runId, 'registered', { runId: run.runId, registered });
  return { registeredUri, registered };
}

export interface GateDecision {
  key: string;
  version: number;
  productionVersion: number | null;
  candidateValMse: number;
  productionValMse: number | null;
  improvement: number | null;
  reason: string;
}

export interface GateResult {
  gateUri: string;
  promotableCount: number;
  promotable: GateDecision[];
  rejected: GateDecision[];
}

/**
 * Gate: a candidate goes forward when there is no production version yet, or when its validation MSE
 * beats production's by at least config.thresholds.promotionMinImprovement (relative).
 */
export async function gateCandidates(deps: TrainingDeps, input: { run: RunContext; registration: { registered: { key: string; version: number }[] } }): Promise<GateResult> {
  const minImprovement = deps.config.thresholds.promotionMinImprovement;
  const promotable: GateDecision[] = [];
  const rejected: GateDecision[] = [];
  for (const { key, version } of input.registration.registered) {
    const candidate = await deps.registry.getVersion(key, version);
    if (!candidate) throw new Error(`registered version ${key} v${version} is missing`);
    const head = await deps.registry.getHead(key);
    const productionVersion = head?.production?.version;
    const production = productionVersion !== undefined && productionVersion !== version ? await deps.registry.getVersion(key, productionVersion) : undefined;
    if (!production) {
      promotable.push({ key, version, productionVersion: null, candidateValMse: candidate.metrics.valMse, productionValMse: null, improvement: null, reason: 'no production version yet' });
      continue;
    }
    const improvement = production.metrics.valMse > 0 ? (production.metrics.valMse - candidate.metrics.valMse) / production.metrics.valMse : 0;
    const decision = { key, version, productionVersion: production.version, candidateValMse: candidate.metrics.valMse, productionValMse: production.metrics.valMse, improvement };
    if (improvement >= minImprovement) promotable.push({ ...decision, reason: `val MSE improves ${(improvement * 100).toFixed(2)}% >= ${(minImprovement * 100).toFixed(2)}%` });
    else rejected.push({ ...decision, reason: `val MSE improves ${(improvement * 100).toFixed(2)}% < required ${(minImprovement * 100).toFixed(2)}%` });
  }
  const gateUri = await writeRunDoc(deps, input.run.runId, 'gate', { runId: input.run.runId, minImprovement, promotable, rejected });
  return { gateUri, promotableCount: promotable.length, promotable, rejected };
}
