import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SignalEvent } from '../events/index.js';
import { parseLakeKey, type LakeObjectLocation } from './keys.js';
import { readLakeRows, type LakeRow } from './parquet.js';

export interface LakeObjectInfo extends LakeObjectLocation {
  key: string;
  size: number;
}

export async function putObjectBytes(s3: S3Client, bucket: string, key: string, body: Uint8Array | string, contentType: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

/**
 * Creates the object only if the key is free (S3 conditional write, If-None-Match: *). Returns false when
 * it already exists: 412, or 409 when a concurrent conditional write to the same key is in progress.
 */
export async function putObjectIfAbsent(s3: S3Client, bucket: string, key: string, body: Uint8Array | string, contentType: string): Promise<boolean> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, IfNoneMatch: '*' }));
    return true;
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    if (status === 412 || status === 409 || e.name === 'PreconditionFailed' || e.name === 'ConditionalRequestConflict') return false;
    throw err;
  }
}

export async function getObjectBytes(s3: S3Client, bucket: string, key: string): Promise<Uint8Array | undefined> {
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await res.Body!.transformToByteArray();
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
    throw err;
  }
}

export async function deleteObjects(s3: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const chunk = keys.slice(i, i + 1000);
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }));
  }
}

export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of res.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0 });
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return out;
}

export interface LakeListFilter {
  topic?: string;
  symbol?: string;
}

/** Lake objects under `<lakePrefix>/`, optionally narrowed to a topic and symbol (the prefix does the narrowing). */
export async function listLakeObjects(s3: S3Client, bucket: string, lakePrefix: string, filter: LakeListFilter = {}): Promise<LakeObjectInfo[]> {
  let prefix = `${lakePrefix}/`;
  if (filter.topic) {
    prefix += `topic=${filter.topic}/`;
    if (filter.symbol) prefix += `symbol=${filter.symbol}/`;
  }
  const keys = await listKeys(s3, bucket, prefix);
  const out: LakeObjectInfo[] = [];
  for (const { key, size } of keys) {
    const loc = parseLakeKey(key);
    if (!loc) continue;
    if (filter.symbol && loc.symbol !== filter.symbol) continue;
    out.push({ ...loc, key, size });
  }
  return out;
}

/** Run `fn` over items with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return results;
}

export async function readLakeObjectRows(s3: S3Client, bucket: string, keys: readonly string[], concurrency = 8): Promise<LakeRow[]> {
  const perObject = await mapLimit(keys, concurrency, async (key) => {
    const bytes = await getObjectBytes(s3, bucket, key);
    if (!bytes) return [];
    return readLakeRows(bytes);
  });
  return perObject.flat();
}

/**
 * Events of the listed lake objects, de-duplicated by eventId. The sink already guarantees one copy per
 * Kafka record; this guards readers against the one case it cannot see, a producer re-sending the same
 * event as a new Kafka record.
 */
export async function readLakeEvents(s3: S3Client, bucket: string, keys: readonly string[], concurrency = 8): Promise<SignalEvent[]> {
  const seen = new Set<string>();
  const out: SignalEvent[] = [];
  for (const row of await readLakeObjectRows(s3, bucket, keys, concurrency)) {
    if (seen.has(row.event.eventId)) continue;
    seen.add(row.event.eventId);
    out.push(row.event);
  }
  return out;
}
