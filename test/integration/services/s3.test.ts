import { randomUUID } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';

describe('local S3 (moto)', () => {
  const s3 = new S3Client(awsClientConfig());

  it('keeps every version of an object in a versioned bucket', async () => {
    const bucket = `smoke-${randomUUID()}`;
    const key = 'lake/topic=market-data/part-0.json';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));

    const first = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'first' }));
    const second = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'second' }));
    expect(first.VersionId).toBeTruthy();
    expect(second.VersionId).not.toBe(first.VersionId);

    const latest = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await latest.Body!.transformToString()).toBe('second');
    const old = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: first.VersionId }));
    expect(await old.Body!.transformToString()).toBe('first');

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'lake/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([key]);

    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    expect(new Set(versions.Versions?.map((v) => v.VersionId))).toEqual(new Set([first.VersionId, second.VersionId]));
    expect(versions.Versions?.find((v) => v.IsLatest)?.VersionId).toBe(second.VersionId);
  });
});
