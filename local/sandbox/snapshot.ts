import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ScanCommand, type DynamoDBClient, BatchWriteItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { listKeys } from '../../core/lake/index.js';
import type { SandboxResources } from './resources.js';

/**
 * moto keeps everything in memory, so a later `npm start` would meet an empty registry. The sandbox
 * saves the registry table and the model artifacts after each run and puts them back into a fresh
 * emulator, so the next retrain competes with the models the last one promoted (as in AWS).
 * Checkpoints and the lake are left out: the replay rebuilds the lake, and checkpoints only matter
 * to the run that wrote them.
 */
const ARTIFACT_PREFIXES = ['models/'];
const RUN_FILES = /^runs\/[^/]+\/(run\.json|dataset-manifest\.json|report\.html|orchestration\/[^/]+\.json)$/;

export interface SnapshotCounts {
  registryItems: number;
  artifacts: number;
}

export async function saveSnapshot(
  dir: string,
  input: { s3: S3Client; ddb: DynamoDBClient; resources: SandboxResources },
): Promise<SnapshotCounts> {
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'artifacts'), { recursive: true });
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const res = await input.ddb.send(
      new ScanCommand({ TableName: input.resources.registryTable, ExclusiveStartKey: start }),
    );
    items.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start);
  writeFileSync(join(tmp, 'registry.json'), JSON.stringify(items));
  const keys = [
    ...(await Promise.all(ARTIFACT_PREFIXES.map((p) => listKeys(input.s3, input.resources.artifactBucket, p)))).flat(),
    ...(await listKeys(input.s3, input.resources.artifactBucket, 'runs/')).filter((k) => RUN_FILES.test(k.key)),
  ];
  for (const { key } of keys) {
    const res = await input.s3.send(new GetObjectCommand({ Bucket: input.resources.artifactBucket, Key: key }));
    const file = join(tmp, 'artifacts', key);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, await res.Body!.transformToByteArray());
  }
  // Swap in whole, so an interrupted save never leaves half a snapshot behind.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  renameSync(tmp, dir);
  return { registryItems: items.length, artifacts: keys.length };
}

function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Loads a saved snapshot into empty resources; returns undefined when there is none. */
export async function restoreSnapshot(
  dir: string,
  input: { s3: S3Client; ddb: DynamoDBClient; resources: SandboxResources },
): Promise<SnapshotCounts | undefined> {
  const registryFile = join(dir, 'registry.json');
  if (!existsSync(registryFile)) return undefined;
  const items = JSON.parse(readFileSync(registryFile, 'utf8')) as Record<string, AttributeValue>[];
  for (let i = 0; i < items.length; i += 25) {
    let pending: Record<string, { PutRequest: { Item: Record<string, AttributeValue> } }[]> | undefined = {
      [input.resources.registryTable]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
    };
    while (pending && Object.keys(pending).length > 0) {
      const res = await input.ddb.send(new BatchWriteItemCommand({ RequestItems: pending }));
      pending = res.UnprocessedItems as typeof pending;
    }
  }
  const root = join(dir, 'artifacts');
  const files = filesUnder(root);
  for (const file of files) {
    const key = relative(root, file).split('\\').join('/');
    await input.s3.send(
      new PutObjectCommand({ Bucket: input.resources.artifactBucket, Key: key, Body: readFileSync(file) }),
    );
  }
  return { registryItems: items.length, artifacts: files.length };
}
