import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { SignalEvent } from '../events/index.js';
import { mayHoldSymbol, parseLakeKey, type LakeObjectLocation } from './keys.js';
import { readLakeRows, type LakeRow, type LakeRowFilter } from './parquet.js';

export interface LakeObjectInfo extends LakeObjectLocation {
  key: string;
  size: number;
}

export async function putObjectBytes(
  s3: S3Client,
  bucket: string,
  key: string,
  body: Uint8Array | string,
  contentType: string,
): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

/**
 * Creates the object only if the key is free (S3 conditional write, If-None-Match: *). Returns false when
 * it already exists: 412, or 409 when a concurrent conditional write to the same key is in progress.
 */
export async function putObjectIfAbsent(
  s3: S3Client,
  bucket: string,
  key: string,
  body: Uint8Array | string,
  contentType: string,
): Promise<boolean> {
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, IfNoneMatch: '*' }),
    );
    return true;
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    if (status === 412 || status === 409 || e.name === 'PreconditionFailed' || e.name === 'ConditionalRequestConflict')
      return false;
    throw err;
  }
}

export async function getObjectBytes(
  s3: S3Client,
  bucket: string,
  key: string,
  versionId?: string | null,
): Promise<Uint8Array | undefined> {
  try {
    const res = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
    );
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
    await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }),
    );
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

/**
 * Lake objects under `<lakePrefix>/`, optionally narrowed to a topic (by prefix) and a symbol: objects of
 * that symbol, and batch objects, which may hold it (read them with the same symbol filter).
 */
export async function listLakeObjects(
  s3: S3Client,
  bucket: string,
  lakePrefix: string,
  filter: LakeListFilter = {},
): Promise<LakeObjectInfo[]> {
  const prefix = filter.topic ? `${lakePrefix}/topic=${filter.topic}/` : `${lakePrefix}/`;
  const keys = await listKeys(s3, bucket, prefix);
  const out: LakeObjectInfo[] = [];
  for (const { key, size } of keys) {
    const loc = parseLakeKey(key);
    if (!loc) continue;
    if (filter.symbol && !mayHoldSymbol(loc, filter.symbol)) continue;
    out.push({ ...loc, key, size });
  }
  return out;
}

/** Run `fn` over items with at most `limit` in flight. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
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

export async function readLakeObjectRows(
  s3: S3Client,
  bucket: string,
  keys: readonly string[],
  concurrency = 8,
  filter: LakeRowFilter = {},
): Promise<LakeRow[]> {
  const perObject = await mapLimit(keys, concurrency, async (key) => {
    const bytes = await getObjectBytes(s3, bucket, key);
    if (!bytes) return [];
    return readLakeRows(bytes, filter);
  });
  return perObject.flat();
}

/**
 * Events of the listed lake objects, de-duplicated by eventId. The sink already guarantees one copy per
 * Kafka record; this guards readers against a producer re-sending the same event as a new Kafka record,
 * and against the moment compaction has written a day object and not yet deleted its batch objects.
 */
export async function readLakeEvents(
  s3: S3Client,
  bucket: string,
  keys: readonly string[],
  concurrency = 8,
  filter: LakeRowFilter = {},
): Promise<SignalEvent[]> {
  const seen = new Set<string>();
  const out: SignalEvent[] = [];
  for (const row of await readLakeObjectRows(s3, bucket, keys, concurrency, filter)) {
    if (seen.has(row.event.eventId)) continue;
    seen.add(row.event.eventId);
    out.push(row.event);
  }
  return out;
}

/**
 * Lists and reads the live lake for a topic (and symbol), events de-duplicated by eventId. An object that
 * vanishes between the listing and its read was replaced by compaction, whose day objects are written
 * before any source is deleted: listing again finds its rows, so the read starts over (a few times at most).
 */
export async function readLiveLakeEvents(
  s3: S3Client,
  bucket: string,
  lakePrefix: string,
  filter: LakeListFilter,
  attempts = 5,
): Promise<SignalEvent[]> {
  for (let attempt = 1; ; attempt++) {
    const objects = await listLakeObjects(s3, bucket, lakePrefix, filter);
    const perObject = await mapLimit(objects, 8, async ({ key }) => {
      const bytes = await getObjectBytes(s3, bucket, key);
      return bytes ? readLakeRows(bytes, { symbol: filter.symbol }) : undefined;
    });
    if (perObject.some((rows) => rows === undefined) && attempt < attempts) continue;
    const seen = new Set<string>();
    const out: SignalEvent[] = [];
    for (const row of perObject.flatMap((rows) => rows ?? [])) {
      if (seen.has(row.event.eventId)) continue;
      seen.add(row.event.eventId);
      out.push(row.event);
    }
    return out;
  }
}

/** A pinned lake object (a dataset manifest entry): its S3 version, and the symbol wanted from it (null: every row). */
export interface LakeObjectRef {
  key: string;
  versionId?: string | null;
  symbol?: string | null;
}

/**
 * Rows of pinned lake objects, as a dataset manifest lists them. Each object version is fetched once
 * however many symbols name it (a batch object is listed once per symbol), filtered to those symbols,
 * and rows are kept once per Kafka record (topic, partition, offset, and the eventId, so hand-made objects
 * that reuse offsets stay apart): a manifest taken while compaction ran may list a day object and the
 * batch objects it replaced, both pinned and both readable.
 */
export async function readLakeRefs(
  s3: S3Client,
  bucket: string,
  refs: readonly LakeObjectRef[],
  concurrency = 8,
): Promise<LakeRow[]> {
  const byVersion = new Map<string, { key: string; versionId: string | null; symbols: Set<string> | null }>();
  for (const ref of refs) {
    const id = `${ref.key}@${ref.versionId ?? ''}`;
    let entry = byVersion.get(id);
    if (!entry) {
      entry = { key: ref.key, versionId: ref.versionId ?? null, symbols: new Set() };
      byVersion.set(id, entry);
    }
    if (ref.symbol == null) entry.symbols = null;
    else entry.symbols?.add(ref.symbol);
  }
  const entries = [...byVersion.values()];
  const perObject = await mapLimit(entries, concurrency, async ({ key, versionId, symbols }) => {
    const bytes = await getObjectBytes(s3, bucket, key, versionId);
    if (!bytes) throw new Error(`lake object ${key}@${versionId ?? 'latest'} is gone`);
    const topic = parseLakeKey(key)?.topic ?? key;
    if (symbols === null) return { topic, rows: await readLakeRows(bytes) };
    const rows =
      symbols.size === 1
        ? await readLakeRows(bytes, { symbol: [...symbols][0]! })
        : (await readLakeRows(bytes)).filter((r) => symbols.has(r.event.symbol));
    return { topic, rows };
  });
  const seen = new Set<string>();
  const out: LakeRow[] = [];
  for (const { topic, rows } of perObject) {
    for (const row of rows) {
      const at = `${topic}/${row.kafkaPartition}/${row.kafkaOffset}/${row.event.eventId}`;
      if (seen.has(at)) continue;
      seen.add(at);
      out.push(row);
    }
  }
  return out;
}
