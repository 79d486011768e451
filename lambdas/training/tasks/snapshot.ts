import { createHash, randomBytes } from 'node:crypto';
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { datasetManifestSchema, type DatasetManifest } from '../../../core/artifacts/index.js';
import { modelConfigKeys, TOPIC_NAMES, type TopicName } from '../../../core/config/index.js';
import { parseLakeKey } from '../../../core/lake/index.js';
import { retrainInputSchema, type RunContext } from '../contracts.js';
import type { TrainingDeps } from '../deps.js';
import { artifactStore } from './run-docs.js';

export class InvalidRetrainInputError extends Error {
  override readonly name = 'InvalidRetrainInputError';
}

/** `rt-20260125t020000-3fa2`: sortable, and valid in S3 keys, EC2 tags and SageMaker job names. */
export function newRunId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .toLowerCase();
  return `rt-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Same objects at the same versions give the same id, so two runs on identical data share lineage. */
export function manifestIdFor(objects: DatasetManifest['objects']): string {
  const canonical = objects
    .map((o) => `${o.key}@${o.versionId ?? ''}:${o.size}`)
    .sort()
    .join('\n');
  return `ds-${createHash('sha256').update(canonical).digest('hex').slice(0, 16)}`;
}

async function listLatestLakeObjects(deps: TrainingDeps, symbols: Set<string>): Promise<DatasetManifest['objects']> {
  const objects: DatasetManifest['objects'] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const res = await deps.s3.send(
      new ListObjectVersionsCommand({
        Bucket: deps.lakeBucket,
        Prefix: `${deps.config.ingest.lakePrefix}/`,
        KeyMarker: keyMarker,
        VersionIdMarker: versionMarker,
      }),
    );
    for (const v of res.Versions ?? []) {
      if (!v.IsLatest || !v.Key) continue;
      const loc = parseLakeKey(v.Key);
      if (!loc || !(TOPIC_NAMES as readonly string[]).includes(loc.topic)) continue;
      // A batch object holds every symbol of its slice: one entry per wanted symbol, read with that symbol's filter.
      for (const symbol of loc.symbol === null ? symbols : symbols.has(loc.symbol) ? [loc.symbol] : []) {
        objects.push({
          key: v.Key,
          versionId: v.VersionId && v.VersionId !== 'null' ? v.VersionId : null,
          topic: loc.topic as TopicName,
          symbol,
          size: v.Size ?? 0,
        });
      }
    }
    keyMarker = res.IsTruncated ? res.NextKeyMarker : undefined;
    versionMarker = res.IsTruncated ? res.NextVersionIdMarker : undefined;
  } while (keyMarker);
  return objects.sort((a, b) => a.key.localeCompare(b.key) || a.symbol.localeCompare(b.symbol));
}

/**
 * First state: validates the trigger, fixes the run id, and freezes the lake objects (with their S3
 * versions) the run will read into a dataset manifest, so later lake writes cannot change what trains.
 */
export async function snapshotDataset(deps: TrainingDeps, rawInput: unknown): Promise<RunContext> {
  const parsed = retrainInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    throw new InvalidRetrainInputError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; '),
    );
  }
  const input = parsed.data;
  const universe = modelConfigKeys(deps.config).map((k) => k.key);
  const configs = input.configs ?? universe;
  const unknown = configs.filter((k) => !universe.includes(k));
  if (unknown.length)
    throw new InvalidRetrainInputError(`configs not in the configured universe: ${unknown.join(', ')}`);
  const now = deps.now();
  const runId = input.runId ?? newRunId(now);
  const symbols = new Set(configs.map((k) => k.split('#')[0]!));
  const objects = await listLatestLakeObjects(deps, symbols);
  const manifest = datasetManifestSchema.parse({
    manifestId: manifestIdFor(objects),
    createdAt: now.toISOString(),
    bucket: deps.lakeBucket,
    objects,
  });
  const uri = await artifactStore(deps).write(
    `runs/${runId}/dataset-manifest.json`,
    JSON.stringify(manifest),
    'application/json',
  );
  return {
    runId,
    trigger: input.trigger,
    reason: input.reason,
    requestedBy: input.requestedBy,
    startedAt: now.toISOString(),
    configs,
    manifest: { id: manifest.manifestId, uri, objects: objects.length },
    bakeSeconds: input.bakeSeconds ?? deps.config.thresholds.bakeSeconds,
    epochs: input.epochs ?? deps.config.training.hyperparameters.epochs,
  };
}
