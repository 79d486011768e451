import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { DataStackProps } from './data-stack-props.js';
import { dataNames } from './data-names.js';
import { Network } from './network.js';
import { OnlineStoreTable } from './online-store-table.js';
import { RegistryTables } from './registry-tables.js';
import { SecureBucket } from './secure-bucket.js';

export type { DataStackProps } from './data-stack-props.js';

/** Lets CloudWatch Logs in this account and region use a key for its log groups. */
function logsServiceStatement(stack: Stack): PolicyStatement {
  return new PolicyStatement({
    principals: [new ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
      },
    },
  });
}

/** Keys, the lake and artifact buckets, the registry table, and the VPC. */
export class DataStack extends Stack {
  /** Encrypts S3, DynamoDB, SQS and SNS data. */
  readonly dataKey: Key;
  /** Encrypts CloudWatch Logs; separate so log readers need no access to data. */
  readonly logKey: Key;
  readonly lakeBucket: Bucket;
  readonly artifactBucket: Bucket;
  readonly tables: RegistryTables;
  /** The trailing bars per series that the market-data sink keeps and the predict API's short form reads. */
  readonly onlineStore: OnlineStoreTable;
  readonly network: Network;
  /** Alarm and retrain notifications; lives here so Training and Monitoring can both use it without a cycle. */
  readonly alertTopic: Topic;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.dataKey = new Key(this, 'DataKey', {
      alias: `alias/signalforge-${config.envName}-data`,
      description: 'SignalForge data at rest: lake, artifacts, registry, queues, alert topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the encrypted alert topic as the cloudwatch service principal.
    this.dataKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    // EventBridge delivers spot interruption warnings to the encrypted alert topic.
    this.dataKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    // Log groups of the retrain state machine construct are encrypted with the data key as well.
    this.dataKey.addToResourcePolicy(logsServiceStatement(this));
    this.alertTopic = new Topic(this, 'Alerts', {
      topicName: `signalforge-${config.envName}-alerts`,
      displayName: 'SignalForge alerts',
      masterKey: this.dataKey,
      enforceSSL: true,
    });
    this.logKey = new Key(this, 'LogKey', {
      alias: `alias/signalforge-${config.envName}-logs`,
      description: 'SignalForge CloudWatch Logs',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.logKey.addToResourcePolicy(logsServiceStatement(this));

    const accessLogs = new Bucket(this, 'AccessLogs', {
      // S3 server access logging delivers only to SSE-S3 buckets.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) },
      ],
    });
    // No AwsSolutions-S1 acknowledgement: cdk-nag already exempts a bucket that other buckets in the
    // stack log into (logging it into itself would loop).

    const names = dataNames(config.envName);
    this.lakeBucket = new SecureBucket(this, 'Lake', {
      bucketName: names.lakeBucket,
      encryptionKey: this.dataKey,
      accessLogsBucket: accessLogs,
      expiringPrefixes: [{ prefix: config.ingest.deadLetterPrefix, expiration: Duration.days(30) }],
    }).bucket;
    this.artifactBucket = new SecureBucket(this, 'Artifacts', {
      bucketName: names.artifactBucket,
      encryptionKey: this.dataKey,
      accessLogsBucket: accessLogs,
      // Old model versions stay available for rollback and audit for a year.
      noncurrentVersionExpiration: Duration.days(365),
    }).bucket;

    this.tables = new RegistryTables(this, 'Tables', {
      encryptionKey: this.dataKey,
      registryTableName: names.registryTable,
    });
    this.onlineStore = new OnlineStoreTable(this, 'OnlineStore', {
      encryptionKey: this.dataKey,
      tableName: names.onlineStoreTable,
    });
    this.network = new Network(this, 'Network', { logKey: this.logKey, natGateways: props.natGateways });
  }
}
