import { describe, expect, it } from 'vitest';
import {
  deployedCall,
  iamRequestsFor,
  type CallInput,
  type CallOutput,
  type DeployedApp,
  type RecordedCall,
} from '../../support/iam/index.js';

/** The IAM harness's call-to-authorization table on the cases the SDK does not spell out. */
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/k1';
const app = {
  partition: 'aws',
  region: 'us-east-1',
  account: '123456789012',
  bucketKey: (b: string) => (b === 'lake' ? KEY : undefined),
  tableKey: (t: string) => (t === 'registry' ? KEY : undefined),
  topicKey: () => undefined,
  launchTemplate: (id: string) =>
    id === 'lt-1'
      ? { instanceRoleArns: ['arn:aws:iam::123456789012:role/Trainer'], volumeKeys: [KEY], imageId: 'ami-1' }
      : undefined,
} as unknown as DeployedApp;
const ctx = { app, ec2Tags: new Map([['i-1', { 'signalforge:env': 'dev' }]]) };
const call = (
  client: string,
  command: string,
  // Each call carries only its own command's fields, as a recorded one does.
  input: Partial<CallInput>,
  output?: CallOutput,
): RecordedCall => ({ handler: 'h', client, command, input: input as CallInput, output });
const summary = (c: RecordedCall) =>
  iamRequestsFor(c, ctx).map(
    (r) => `${r.action} ${r.resource}${Object.keys(r.context).length ? ` ${JSON.stringify(r.context)}` : ''}`,
  );

describe('IAM harness: SDK calls to IAM authorizations', () => {
  it('S3: list with its prefix, head as get, versions, multi-delete per key, copy as read + write, SSE-KMS on the bucket key', () => {
    expect(summary(call('S3Client', 'ListObjectsV2', { Bucket: 'lake', Prefix: 'lake/topic=a/' }))).toEqual([
      's3:ListBucket arn:aws:s3:::lake {"s3:prefix":"lake/topic=a/"}',
    ]);
    expect(summary(call('S3Client', 'ListObjectsV2', { Bucket: 'lake' }))).toEqual(['s3:ListBucket arn:aws:s3:::lake']);
    expect(summary(call('S3Client', 'HeadObject', { Bucket: 'other', Key: 'k' }))).toEqual([
      's3:GetObject arn:aws:s3:::other/k',
    ]);
    expect(summary(call('S3Client', 'GetObject', { Bucket: 'lake', Key: 'k', VersionId: 'v1' }))).toEqual([
      's3:GetObjectVersion arn:aws:s3:::lake/k',
      `kms:Decrypt ${KEY} {"kms:ViaService":"s3.us-east-1.amazonaws.com"}`,
    ]);
    expect(summary(call('S3Client', 'ListObjectVersions', { Bucket: 'lake', Prefix: 'lake/' }))).toEqual([
      's3:ListBucketVersions arn:aws:s3:::lake {"s3:prefix":"lake/"}',
    ]);
    expect(
      summary(
        call('S3Client', 'DeleteObjects', {
          Bucket: 'lake',
          Delete: { Objects: [{ Key: 'a' }, { Key: 'b', VersionId: 'v' }] },
        }),
      ),
    ).toEqual(['s3:DeleteObject arn:aws:s3:::lake/a', 's3:DeleteObjectVersion arn:aws:s3:::lake/b']);
    expect(
      summary(call('S3Client', 'CopyObject', { Bucket: 'lake', Key: 'to', CopySource: 'other/from%20x' })),
    ).toEqual([
      's3:GetObject arn:aws:s3:::other/from x',
      's3:PutObject arn:aws:s3:::lake/to',
      `kms:GenerateDataKey ${KEY} {"kms:ViaService":"s3.us-east-1.amazonaws.com"}`,
    ]);
  });

  it('DynamoDB: document-client and transaction items map per item and table, with the table key', () => {
    const tx = call('DynamoDBDocumentClient', 'TransactWrite', {
      TransactItems: [
        { Put: { TableName: 'registry' } },
        { ConditionCheck: { TableName: 'other' } },
        { Update: { TableName: 'other' } },
      ],
    });
    expect(summary(tx)).toEqual([
      'dynamodb:PutItem arn:aws:dynamodb:us-east-1:123456789012:table/registry',
      `kms:Decrypt ${KEY} {"kms:ViaService":"dynamodb.us-east-1.amazonaws.com"}`,
      `kms:GenerateDataKey ${KEY} {"kms:ViaService":"dynamodb.us-east-1.amazonaws.com"}`,
      'dynamodb:ConditionCheckItem arn:aws:dynamodb:us-east-1:123456789012:table/other',
      'dynamodb:UpdateItem arn:aws:dynamodb:us-east-1:123456789012:table/other',
    ]);
    expect(summary(call('DynamoDBDocumentClient', 'Query', { TableName: 'other', IndexName: 'gsi1' }))).toEqual([
      'dynamodb:Query arn:aws:dynamodb:us-east-1:123456789012:table/other/index/gsi1',
    ]);
    expect(summary(call('DynamoDBClient', 'BatchWriteItem', { RequestItems: { other: [], more: [] } }))).toEqual([
      'dynamodb:BatchWriteItem arn:aws:dynamodb:us-east-1:123456789012:table/other',
      'dynamodb:BatchWriteItem arn:aws:dynamodb:us-east-1:123456789012:table/more',
    ]);
  });

  it('EC2: RunInstances per resource with the launch template, tags at launch, PassRole and EBS KMS; TerminateInstances with the launch tags', () => {
    const run = summary(
      call(
        'EC2Client',
        'RunInstances',
        {
          LaunchTemplate: { LaunchTemplateId: 'lt-1' },
          SubnetId: 'subnet-1',
          SecurityGroupIds: ['sg-1'],
          InstanceMarketOptions: { MarketType: 'spot' },
          TagSpecifications: [{ ResourceType: 'instance', Tags: [] }],
        },
        { Instances: [{ InstanceId: 'i-1' }] },
      ),
    );
    const lt = '{"ec2:LaunchTemplate":"arn:aws:ec2:us-east-1:123456789012:launch-template/lt-1"}';
    expect(run).toEqual(
      expect.arrayContaining([
        `ec2:RunInstances arn:aws:ec2:us-east-1:123456789012:instance/i-1 ${lt}`,
        `ec2:RunInstances arn:aws:ec2:us-east-1:123456789012:spot-instances-request/sir-00000000 ${lt}`,
        `ec2:RunInstances arn:aws:ec2:us-east-1:123456789012:subnet/subnet-1 ${lt}`,
        `ec2:RunInstances arn:aws:ec2:us-east-1::image/ami-1 ${lt}`,
        'ec2:CreateTags arn:aws:ec2:us-east-1:123456789012:instance/i-1 {"ec2:CreateAction":"RunInstances"}',
        'iam:PassRole arn:aws:iam::123456789012:role/Trainer {"iam:PassedToService":"ec2.amazonaws.com"}',
        `kms:CreateGrant ${KEY} {"kms:ViaService":"ec2.us-east-1.amazonaws.com","kms:GrantIsForAWSResource":"true"}`,
      ]),
    );
    expect(summary(call('EC2Client', 'TerminateInstances', { InstanceIds: ['i-1'] }))).toEqual([
      'ec2:TerminateInstances arn:aws:ec2:us-east-1:123456789012:instance/i-1 {"aws:ResourceTag/signalforge:env":"dev","ec2:ResourceTag/signalforge:env":"dev"}',
    ]);
  });

  it('fails loudly on a call it has no mapping for, so nothing passes unchecked', () => {
    expect(() => summary(call('S3Client', 'PutBucketPolicy', { Bucket: 'lake' }))).toThrow(
      /no mapping for S3Client PutBucketPolicy/,
    );
  });

  it('renames test resources to deployed ones, including keys, without touching bodies', () => {
    const body = new Uint8Array([1, 2]);
    const renamed = deployedCall(
      call('S3Client', 'PutObject', { Bucket: 'moto-1', Key: 'lake/topic=ns.market-data/x', Body: body }),
      { exact: { 'moto-1': 'sf-dev-lake' }, s3Key: (k) => k.replace('topic=ns.', 'topic=') },
    );
    expect(renamed.input).toEqual({ Bucket: 'sf-dev-lake', Key: 'lake/topic=market-data/x', Body: body });
    expect(renamed.input.Body).toBe(body);
  });
});
