import { mkdir, readFile, rename, writeFile, rm, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { awsClient } from '../aws/clients.js';

/** The SDK is loaded on first S3 use, so local-dir runs (and every trainer worker) start faster. */
const sdk = () => import('@aws-sdk/client-s3');
async function defaultClient(): Promise<S3Client> {
  const { S3Client } = await sdk();
  return awsClient(S3Client);
}

/**
 * Where artifacts, run records and checkpoints live: a local dir or `s3://bucket/prefix`. Every write
 * is atomic: locally a temp file renamed over the target, in S3 a single PUT.
 */
export interface ArtifactStore {
  /** `s3://bucket/prefix/key` or an absolute file path; what run records and the registry store. */
  uri(key: string): string;
  read(key: string): Promise<Uint8Array | undefined>;
  write(key: string, body: Uint8Array | string, contentType?: string): Promise<string>;
  remove(key: string): Promise<void>;
}

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new Error(`not an s3:// uri: ${uri}`);
  return { bucket: m[1]!, key: m[2]! };
}

export class LocalDirStore implements ArtifactStore {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }
  uri(key: string): string {
    return join(this.root, key);
  }
  async read(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.uri(key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
  async write(key: string, body: Uint8Array | string): Promise<string> {
    const target = this.uri(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, body);
    await rename(tmp, target);
    return target;
  }
  async remove(key: string): Promise<void> {
    await rm(this.uri(key), { force: true });
  }
  /** Leftover temp files from a killed writer; harmless, but tidy them on resume. */
  async removeTempFiles(prefix: string): Promise<void> {
    const dir = this.uri(prefix);
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.endsWith('.tmp')).map((n) => rm(join(dir, n), { force: true })));
  }
}

export class S3Store implements ArtifactStore {
  private client?: Promise<S3Client>;
  constructor(
    readonly bucket: string,
    readonly prefix: string,
    client?: S3Client,
  ) {
    if (client) this.client = Promise.resolve(client);
  }
  private s3(): Promise<S3Client> {
    this.client ??= defaultClient();
    return this.client;
  }
  private key(key: string): string {
    return this.prefix ? `${this.prefix.replace(/\/$/, '')}/${key}` : key;
  }
  uri(key: string): string {
    return `s3://${this.bucket}/${this.key(key)}`;
  }
  async read(key: string): Promise<Uint8Array | undefined> {
    try {
      const { GetObjectCommand } = await sdk();
      const res = await (await this.s3()).send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return await res.Body!.transformToByteArray();
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }
  async write(key: string, body: Uint8Array | string, contentType = 'application/octet-stream'): Promise<string> {
    const { PutObjectCommand } = await sdk();
    await (await this.s3()).send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: body, ContentType: contentType }),
    );
    return this.uri(key);
  }
  async remove(key: string): Promise<void> {
    const { DeleteObjectCommand } = await sdk();
    await (await this.s3()).send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
  }
}

export function openStore(uriOrDir: string, client?: S3Client): ArtifactStore {
  if (uriOrDir.startsWith('s3://')) {
    const { bucket, key } = parseS3Uri(uriOrDir);
    return new S3Store(bucket, key, client);
  }
  return new LocalDirStore(uriOrDir);
}

/** Reads a whole object by full URI (s3://... or a path), e.g. a manifest or a registry artifactUri. */
export async function readUri(uri: string, client?: S3Client, versionId?: string): Promise<Uint8Array> {
  if (uri.startsWith('s3://')) {
    const { bucket, key } = parseS3Uri(uri);
    const s3 = client ?? (await defaultClient());
    const { GetObjectCommand } = await sdk();
    const res = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
    );
    return res.Body!.transformToByteArray();
  }
  return new Uint8Array(await readFile(uri));
}

export async function writeJson(store: ArtifactStore, key: string, value: unknown): Promise<string> {
  return store.write(key, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
}

export async function readJson<T>(store: ArtifactStore, key: string, parse: (v: unknown) => T): Promise<T | undefined> {
  const bytes = await store.read(key);
  return bytes ? parse(JSON.parse(new TextDecoder().decode(bytes))) : undefined;
}
