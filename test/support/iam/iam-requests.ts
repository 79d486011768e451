import type { DeployedApp } from './deployed-app.js';
import type { CallInput, RecordedCall } from './recorder.js';

/** One authorization IAM makes for a call: the action, the resource ARN and the request context. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string | string[]>;
  /** Why this request exists when the SDK call does not name the action itself (service-side KMS, PassRole, ...). */
  readonly implicit?: string;
}

/** What a call's authorization depends on beyond its input: the deployed app and earlier calls' results. */
export interface RequestContext {
  readonly app: DeployedApp;
  /** Tags given to EC2 resources at launch, by resource id (TerminateInstances is conditional on them). */
  readonly ec2Tags: Map<string, Record<string, string>>;
}

type Mapper = (input: CallInput, ctx: RequestContext, call: RecordedCall) => IamRequest[];

const s3Object = (app: DeployedApp, bucket: string, key: string) => `arn:${app.partition}:s3:::${bucket}/${key}`;
const s3Bucket = (app: DeployedApp, bucket: string) => `arn:${app.partition}:s3:::${bucket}`;
const prefixContext = (prefix: unknown): Record<string, string> =>
  typeof prefix === 'string' ? { 's3:prefix': prefix } : {};

/** SSE-KMS: S3 calls KMS with the caller's permissions (GenerateDataKey to write, Decrypt to read). */
function s3Kms(ctx: RequestContext, bucket: string, action: 'kms:GenerateDataKey' | 'kms:Decrypt'): IamRequest[] {
  const key = ctx.app.bucketKey(bucket);
  return key
    ? [
        {
          action,
          resource: key,
          context: { 'kms:ViaService': `s3.${ctx.app.region}.amazonaws.com` },
          implicit: `S3 ${action === 'kms:Decrypt' ? 'decrypts' : 'encrypts'} objects of ${bucket} with its KMS key`,
        },
      ]
    : [];
}

function s3Read(ctx: RequestContext, bucket: string, key: string, versionId?: string): IamRequest[] {
  return [
    {
      action: versionId ? 's3:GetObjectVersion' : 's3:GetObject',
      resource: s3Object(ctx.app, bucket, key),
      context: {},
    },
    ...s3Kms(ctx, bucket, 'kms:Decrypt'),
  ];
}

function s3Write(ctx: RequestContext, bucket: string, key: string): IamRequest[] {
  return [
    { action: 's3:PutObject', resource: s3Object(ctx.app, bucket, key), context: {} },
    ...s3Kms(ctx, bucket, 'kms:GenerateDataKey'),
  ];
}

const S3: Record<string, Mapper> = {
  PutObject: (i, ctx) => s3Write(ctx, i.Bucket, i.Key),
  CreateMultipartUpload: (i, ctx) => s3Write(ctx, i.Bucket, i.Key),
  UploadPart: (i, ctx) => s3Write(ctx, i.Bucket, i.Key),
  CompleteMultipartUpload: (i, ctx) => [
    { action: 's3:PutObject', resource: s3Object(ctx.app, i.Bucket, i.Key), context: {} },
    ...s3Kms(ctx, i.Bucket, 'kms:Decrypt'),
  ],
  AbortMultipartUpload: (i, ctx) => [
    { action: 's3:AbortMultipartUpload', resource: s3Object(ctx.app, i.Bucket, i.Key), context: {} },
  ],
  GetObject: (i, ctx) => s3Read(ctx, i.Bucket, i.Key, i.VersionId),
  HeadObject: (i, ctx) => [
    {
      action: i.VersionId ? 's3:GetObjectVersion' : 's3:GetObject',
      resource: s3Object(ctx.app, i.Bucket, i.Key),
      context: {},
    },
  ],
  CopyObject: (i, ctx) => {
    const [source, version] = String(i.CopySource).split('?versionId=') as [string, string | undefined];
    const slash = source.indexOf('/');
    return [
      ...s3Read(ctx, decodeURIComponent(source.slice(0, slash)), decodeURIComponent(source.slice(slash + 1)), version),
      ...s3Write(ctx, i.Bucket, i.Key),
    ];
  },
  DeleteObject: (i, ctx) => [
    {
      action: i.VersionId ? 's3:DeleteObjectVersion' : 's3:DeleteObject',
      resource: s3Object(ctx.app, i.Bucket, i.Key),
      context: {},
    },
  ],
  // One authorization per key: a multi-object delete is allowed or denied object by object.
  DeleteObjects: (i, ctx) =>
    (i.Delete?.Objects ?? []).map((o: { Key: string; VersionId?: string }) => ({
      action: o.VersionId ? 's3:DeleteObjectVersion' : 's3:DeleteObject',
      resource: s3Object(ctx.app, i.Bucket, o.Key),
      context: {},
    })),
  ListObjectsV2: (i, ctx) => [
    { action: 's3:ListBucket', resource: s3Bucket(ctx.app, i.Bucket), context: prefixContext(i.Prefix) },
  ],
  ListObjects: (i, ctx) => [
    { action: 's3:ListBucket', resource: s3Bucket(ctx.app, i.Bucket), context: prefixContext(i.Prefix) },
  ],
  ListObjectVersions: (i, ctx) => [
    { action: 's3:ListBucketVersions', resource: s3Bucket(ctx.app, i.Bucket), context: prefixContext(i.Prefix) },
  ],
};

const tableArn = (ctx: RequestContext, table: string, index?: string) =>
  `arn:${ctx.app.partition}:dynamodb:${ctx.app.region}:${ctx.app.account}:table/${table}${index ? `/index/${index}` : ''}`;

/** A table with a customer key: DynamoDB uses it with the caller's permissions. */
function tableKms(ctx: RequestContext, table: string, write: boolean): IamRequest[] {
  const key = ctx.app.tableKey(table);
  if (!key) return [];
  const context = { 'kms:ViaService': `dynamodb.${ctx.app.region}.amazonaws.com` };
  const implicit = `DynamoDB uses the customer key of ${table}`;
  return [
    { action: 'kms:Decrypt', resource: key, context, implicit },
    ...(write ? [{ action: 'kms:GenerateDataKey', resource: key, context, implicit }] : []),
  ];
}

function item(ctx: RequestContext, action: string, table: string, write: boolean, index?: string): IamRequest[] {
  return [
    { action: `dynamodb:${action}`, resource: tableArn(ctx, table, index), context: {} },
    ...tableKms(ctx, table, write),
  ];
}

const TRANSACT_ACTIONS: Record<string, [string, boolean]> = {
  Put: ['PutItem', true],
  Update: ['UpdateItem', true],
  Delete: ['DeleteItem', true],
  ConditionCheck: ['ConditionCheckItem', false],
  Get: ['GetItem', false],
};

function transact(ctx: RequestContext, items: Record<string, { TableName: string }>[]): IamRequest[] {
  return items.flatMap((entry) =>
    Object.entries(entry).flatMap(([kind, body]) => {
      const mapped = TRANSACT_ACTIONS[kind];
      if (!mapped) throw new Error(`no IAM mapping for transaction item ${kind}`);
      return item(ctx, mapped[0], body.TableName, mapped[1]);
    }),
  );
}

const DYNAMODB: Record<string, Mapper> = {
  GetItem: (i, ctx) => item(ctx, 'GetItem', i.TableName, false),
  PutItem: (i, ctx) => item(ctx, 'PutItem', i.TableName, true),
  UpdateItem: (i, ctx) => item(ctx, 'UpdateItem', i.TableName, true),
  DeleteItem: (i, ctx) => item(ctx, 'DeleteItem', i.TableName, true),
  Query: (i, ctx) => item(ctx, 'Query', i.TableName, false, i.IndexName),
  Scan: (i, ctx) => item(ctx, 'Scan', i.TableName, false, i.IndexName),
  DescribeTable: (i, ctx) => [{ action: 'dynamodb:DescribeTable', resource: tableArn(ctx, i.TableName), context: {} }],
  BatchGetItem: (i, ctx) => Object.keys(i.RequestItems ?? {}).flatMap((t) => item(ctx, 'BatchGetItem', t, false)),
  BatchWriteItem: (i, ctx) => Object.keys(i.RequestItems ?? {}).flatMap((t) => item(ctx, 'BatchWriteItem', t, true)),
  TransactWriteItems: (i, ctx) => transact(ctx, i.TransactItems ?? []),
  TransactGetItems: (i, ctx) => transact(ctx, i.TransactItems ?? []),
};
// @aws-sdk/lib-dynamodb document commands carry the same input shapes under shorter names.
const DOCUMENT: Record<string, Mapper> = {
  Get: DYNAMODB.GetItem!,
  Put: DYNAMODB.PutItem!,
  Update: DYNAMODB.UpdateItem!,
  Delete: DYNAMODB.DeleteItem!,
  Query: DYNAMODB.Query!,
  Scan: DYNAMODB.Scan!,
  BatchGet: DYNAMODB.BatchGetItem!,
  BatchWrite: DYNAMODB.BatchWriteItem!,
  TransactWrite: DYNAMODB.TransactWriteItems!,
  TransactGet: DYNAMODB.TransactGetItems!,
};

const ec2Arn = (ctx: RequestContext, type: string, id: string) =>
  `arn:${ctx.app.partition}:ec2:${ctx.app.region}:${ctx.app.account}:${type}/${id}`;

/**
 * RunInstances is authorized once per resource it touches or creates, each with the launch template
 * in context; tags at launch need CreateTags; the template's instance profile needs PassRole, and its
 * encrypted volume has EC2 use the KMS key with the caller's permissions.
 */
function runInstances(i: CallInput, ctx: RequestContext, call: RecordedCall): IamRequest[] {
  const { app } = ctx;
  const templateId: string | undefined = i.LaunchTemplate?.LaunchTemplateId;
  const template = templateId ? app.launchTemplate(templateId) : undefined;
  const context: Record<string, string> = templateId
    ? { 'ec2:LaunchTemplate': ec2Arn(ctx, 'launch-template', templateId) }
    : {};
  const instanceId: string = call.output?.Instances?.[0]?.InstanceId ?? 'i-0000000000000000';
  const created = [
    ec2Arn(ctx, 'instance', instanceId),
    ec2Arn(ctx, 'volume', 'vol-0000000000000000'),
    ec2Arn(ctx, 'network-interface', 'eni-0000000000000000'),
  ];
  if (i.InstanceMarketOptions?.MarketType === 'spot')
    created.push(ec2Arn(ctx, 'spot-instances-request', 'sir-00000000'));
  const used = [
    ...(templateId ? [ec2Arn(ctx, 'launch-template', templateId)] : []),
    ...(i.SubnetId ? [ec2Arn(ctx, 'subnet', i.SubnetId)] : []),
    ...((i.SecurityGroupIds ?? []) as string[]).map((sg) => ec2Arn(ctx, 'security-group', sg)),
    `arn:${app.partition}:ec2:${app.region}::image/${i.ImageId ?? template?.imageId ?? 'ami-0123456789abcdef0'}`,
  ];
  const out: IamRequest[] = [...created, ...used].map((resource) => ({
    action: 'ec2:RunInstances',
    resource,
    context,
  }));
  for (const spec of (i.TagSpecifications ?? []) as { ResourceType: string }[]) {
    out.push({
      action: 'ec2:CreateTags',
      resource: ec2Arn(ctx, spec.ResourceType, spec.ResourceType === 'instance' ? instanceId : 'vol-0000000000000000'),
      context: { 'ec2:CreateAction': 'RunInstances' },
      implicit: 'tags on launch',
    });
  }
  for (const role of template?.instanceRoleArns ?? [])
    out.push({
      action: 'iam:PassRole',
      resource: role,
      context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
      implicit: `the launch template's instance profile passes ${role}`,
    });
  for (const key of template?.volumeKeys ?? []) {
    const via = { 'kms:ViaService': `ec2.${app.region}.amazonaws.com` };
    const implicit = "EC2 encrypts the root volume with the customer key using the caller's permissions";
    out.push({
      action: 'kms:CreateGrant',
      resource: key,
      context: { ...via, 'kms:GrantIsForAWSResource': 'true' },
      implicit,
    });
    for (const action of [
      'kms:GenerateDataKeyWithoutPlaintext',
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
    ])
      out.push({ action, resource: key, context: via, implicit });
  }
  return out;
}

function tagContext(tags: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tags ?? {}).flatMap(([k, v]) => [
      [`aws:ResourceTag/${k}`, v],
      [`ec2:ResourceTag/${k}`, v],
    ]),
  );
}

const EC2: Record<string, Mapper> = {
  RunInstances: runInstances,
  DescribeInstances: () => [{ action: 'ec2:DescribeInstances', resource: '*', context: {} }],
  TerminateInstances: (i, ctx) =>
    ((i.InstanceIds ?? []) as string[]).map((id) => ({
      action: 'ec2:TerminateInstances',
      resource: ec2Arn(ctx, 'instance', id),
      context: tagContext(ctx.ec2Tags.get(id)),
    })),
};

/** The role name AWS gives a service-linked role, for the services SignalForge creates one for. */
const SERVICE_LINKED_ROLE: Record<string, string> = { 'spot.amazonaws.com': 'AWSServiceRoleForEC2Spot' };

const IAM: Record<string, Mapper> = {
  CreateServiceLinkedRole: (i, ctx) => {
    const name = SERVICE_LINKED_ROLE[i.AWSServiceName];
    if (!name) throw new Error(`no service-linked role name known for ${i.AWSServiceName}`);
    return [
      {
        action: 'iam:CreateServiceLinkedRole',
        resource: `arn:${ctx.app.partition}:iam::${ctx.app.account}:role/aws-service-role/${i.AWSServiceName}/${name}`,
        context: { 'iam:AWSServiceName': i.AWSServiceName },
      },
    ];
  },
};

const SNS: Record<string, Mapper> = {
  Publish: (i, ctx) => {
    const key = ctx.app.topicKey(i.TopicArn);
    const implicit = "SNS encrypts the message with the topic key using the publisher's permissions";
    return [
      { action: 'sns:Publish', resource: i.TopicArn, context: {} },
      ...(key
        ? ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
            action,
            resource: key,
            context: { 'kms:ViaService': `sns.${ctx.app.region}.amazonaws.com` },
            implicit,
          }))
        : []),
    ];
  },
};

const sagemakerJob = (ctx: RequestContext, name: string) =>
  `arn:${ctx.app.partition}:sagemaker:${ctx.app.region}:${ctx.app.account}:training-job/${name.toLowerCase()}`;

const SAGEMAKER: Record<string, Mapper> = {
  CreateTrainingJob: (i, ctx) => {
    const tags = Object.fromEntries(
      ((i.Tags ?? []) as { Key: string; Value: string }[]).map((t) => [`aws:RequestTag/${t.Key}`, t.Value]),
    );
    const context = {
      ...tags,
      ...(i.Tags?.length ? { 'aws:TagKeys': i.Tags.map((t: { Key: string }) => t.Key) } : {}),
    };
    const job = sagemakerJob(ctx, i.TrainingJobName);
    return [
      { action: 'sagemaker:CreateTrainingJob', resource: job, context },
      ...(i.Tags?.length ? [{ action: 'sagemaker:AddTags', resource: job, context, implicit: 'tags on create' }] : []),
      {
        action: 'iam:PassRole',
        resource: i.RoleArn,
        context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
        implicit: 'the job runs as its execution role',
      },
    ];
  },
  DescribeTrainingJob: (i, ctx) => [
    { action: 'sagemaker:DescribeTrainingJob', resource: sagemakerJob(ctx, i.TrainingJobName), context: {} },
  ],
  StopTrainingJob: (i, ctx) => [
    { action: 'sagemaker:StopTrainingJob', resource: sagemakerJob(ctx, i.TrainingJobName), context: {} },
  ],
};

const MAPPERS: Record<string, Record<string, Mapper>> = {
  S3Client: S3,
  DynamoDBClient: DYNAMODB,
  DynamoDBDocumentClient: DOCUMENT,
  EC2Client: EC2,
  IAMClient: IAM,
  SNSClient: SNS,
  SageMakerClient: SAGEMAKER,
  SFNClient: {
    StartExecution: (i) => [{ action: 'states:StartExecution', resource: i.stateMachineArn, context: {} }],
    ListExecutions: (i) => [{ action: 'states:ListExecutions', resource: i.stateMachineArn, context: {} }],
    DescribeExecution: (i) => [{ action: 'states:DescribeExecution', resource: i.executionArn, context: {} }],
  },
  CloudWatchClient: {
    ListMetrics: () => [{ action: 'cloudwatch:ListMetrics', resource: '*', context: {} }],
    GetMetricStatistics: () => [{ action: 'cloudwatch:GetMetricStatistics', resource: '*', context: {} }],
    GetMetricData: () => [{ action: 'cloudwatch:GetMetricData', resource: '*', context: {} }],
    PutMetricData: (i) => [
      { action: 'cloudwatch:PutMetricData', resource: '*', context: { 'cloudwatch:namespace': i.Namespace } },
    ],
  },
  SecretsManagerClient: {
    // Secret ARNs end in a random 6-character suffix; a name is looked up to that ARN.
    GetSecretValue: (i, ctx) => [
      {
        action: 'secretsmanager:GetSecretValue',
        resource: String(i.SecretId).startsWith('arn:')
          ? i.SecretId
          : `arn:${ctx.app.partition}:secretsmanager:${ctx.app.region}:${ctx.app.account}:secret:${i.SecretId}-AbCdEf`,
        context: {},
      },
    ],
  },
  KafkaClient: {
    // No resource-level permissions: IAM authorizes it on "*" whatever cluster the call names.
    GetBootstrapBrokers: () => [{ action: 'kafka:GetBootstrapBrokers', resource: '*', context: {} }],
    DescribeClusterV2: (i) => [{ action: 'kafka:DescribeClusterV2', resource: i.ClusterArn, context: {} }],
  },
};

/** The IAM authorizations `call` needs. A call without a mapping throws: nothing passes unchecked. */
export function iamRequestsFor(call: RecordedCall, ctx: RequestContext): IamRequest[] {
  const mapper = MAPPERS[call.client]?.[call.command];
  if (!mapper)
    throw new Error(
      `the IAM harness has no mapping for ${call.client} ${call.command} (called by ${call.handler}); add it to test/support/iam/iam-requests.ts`,
    );
  return mapper(call.input, ctx, call);
}

/** Tags each RunInstances call gave its instance, by instance id, from the recorded calls. */
export function launchTags(calls: readonly RecordedCall[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const c of calls) {
    if (c.client !== 'EC2Client' || c.command !== 'RunInstances') continue;
    const tags =
      ((c.input.TagSpecifications ?? []) as { ResourceType: string; Tags: { Key: string; Value: string }[] }[]).find(
        (s) => s.ResourceType === 'instance',
      )?.Tags ?? [];
    for (const instance of (c.output?.Instances ?? []) as { InstanceId: string }[])
      out.set(instance.InstanceId, Object.fromEntries(tags.map((t) => [t.Key, t.Value])));
  }
  return out;
}
