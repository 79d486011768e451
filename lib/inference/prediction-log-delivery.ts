import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import type { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { CfnSubscriptionFilter, FilterPattern, LogGroup, LogStream, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PREDICTIONS_PREFIX, predictionObjectKey, predictionRecordSchema } from '../../core/live/index.js';
import { bucketArn } from '../data/data-names.js';
import { METRIC_NAMESPACE } from '../monitoring/monitoring-stack.js';
import { acknowledgeWildcardResources } from '../nag/wildcard-acknowledgements.js';
import type { PredictionLogDeliveryProps } from './prediction-log-delivery-props.js';

export type { PredictionLogDeliveryProps } from './prediction-log-delivery-props.js';

const partitionKey = (name: string) => `!{partitionKeyFromQuery:${name}}`;

/**
 * Partition keys Firehose's JQ 1.6 takes from each prediction record: symbol and timeframe split from its config
 * key ("SPX#1d") the way core/live/lake-keys.ts splits it, and the UTC day of `loggedAt`, the day the local sink
 * files a record under. The record's own time rather than arrival time: a retried or late delivery lands in the
 * same partition as the first, and the sandbox and AWS agree on the layout.
 */
const PREDICTION_PARTITION_QUERY =
  '{symbol: (.key | split("#")[0]), timeframe: (.key | split("#")[1]), date: (.loggedAt[0:10])}';

/** The records the subscription forwards: serving's prediction lines, nothing else the function logs. */
const PREDICTION_LOG_FILTER = `{ $.kind = "${predictionRecordSchema.shape.kind.value}" }`;

const BATCH = '<batch>';

/**
 * The lake layout with Firehose partition keys in place of the values, built by core/live/lake-keys.ts itself so
 * the reader's module stays the only copy: `prefix` is `predictions/symbol=<S>/timeframe=<TF>/date=<D>/` and
 * `extension` what follows the batch name (`.jsonl`); Firehose names the batch (stream, time, UUID).
 */
function predictionLogLayout(): { prefix: string; extension: string } {
  const key = predictionObjectKey(
    `${partitionKey('symbol')}#${partitionKey('timeframe')}`,
    partitionKey('date'),
    BATCH,
  );
  const cut = key.lastIndexOf('/') + 1;
  return { prefix: key.slice(0, cut), extension: key.slice(cut + BATCH.length) };
}

/**
 * Where records Firehose could not decompress, extract or partition land: outside `predictions/`, which readers
 * list.
 */
const PREDICTION_LOG_ERROR_PREFIX = 'prediction-log-errors';

/**
 * The prediction log's path off the request path: a CloudWatch Logs subscription filter on the inference
 * function's log group forwards `kind: "prediction"` lines to an Amazon Data Firehose stream, which gunzips the
 * CloudWatch Logs envelope, keeps each log event's message (the JSON line serving wrote), partitions by the
 * record's config key and day, appends a newline per record, and writes JSON-lines objects to the lake's
 * `predictions/` prefix in the layout the outcome join reads.
 */
export class PredictionLogDelivery extends Construct {
  readonly deliveryStream: CfnDeliveryStream;
  readonly deliveryStreamName: string;
  /** Records Firehose logged as failed (decompression, extraction, partitioning, S3): one per error log event. */
  readonly failedRecords: Metric;
  /** Assumed by Firehose to write the lake. */
  readonly deliveryRole: Role;
  /** Assumed by CloudWatch Logs to put the filtered lines to the stream. */
  readonly subscriptionRole: Role;

  constructor(scope: Construct, id: string, props: PredictionLogDeliveryProps) {
    super(scope, id);
    this.deliveryStreamName = `signalforge-${props.envName}-prediction-log`;
    const lake = bucketArn(props.lakeBucketName);
    const { prefix, extension } = predictionLogLayout();
    const writablePrefixes = [PREDICTIONS_PREFIX, PREDICTION_LOG_ERROR_PREFIX];
    const objectArns = writablePrefixes.map((p) => `${lake}/${p}/*`);

    const errorLogs = new LogGroup(this, 'DeliveryErrors', {
      retention: RetentionDays.ONE_MONTH,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const errorStream = new LogStream(this, 'S3DeliveryErrors', {
      logGroup: errorLogs,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Firehose logs every record it sets aside or cannot deliver here; counted so the monitoring stack can alarm.
    this.failedRecords = errorLogs
      .addMetricFilter('FailedRecordCount', {
        filterPattern: FilterPattern.allEvents(),
        metricNamespace: METRIC_NAMESPACE,
        metricName: 'PredictionLogFailedRecords',
        metricValue: '1',
      })
      .metric();

    this.deliveryRole = new Role(this, 'DeliveryRole', {
      assumedBy: new ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'sts:ExternalId': Aws.ACCOUNT_ID } },
      }),
      description: 'Firehose writes the prediction log to the lake',
      // Inline, so the permissions exist before the stream first delivers.
      inlinePolicies: {
        delivery: new PolicyDocument({
          statements: [
            new PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: objectArns }),
            // Firehose's documented minimum looks the bucket's region up; no object is read.
            new PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [lake] }),
            // Only through S3 and only for this bucket's objects (the bucket ARN itself is the context when S3
            // Bucket Keys are on, as they are for the lake). Decrypt is needed for multipart uploads.
            new PolicyStatement({
              actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
              resources: [props.dataKey.keyArn],
              conditions: {
                StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` },
                StringLike: { 'kms:EncryptionContext:aws:s3:arn': [lake, ...objectArns] },
              },
            }),
            new PolicyStatement({
              actions: ['logs:PutLogEvents'],
              resources: [errorStreamArn(errorLogs, errorStream)],
            }),
          ],
        }),
      },
    });
    acknowledgeWildcardResources(
      this.deliveryRole,
      objectArns,
      'Firehose names each object at delivery (partition keys, then stream name, time and a UUID); ' +
        'writes are limited to the predictions/ and prediction-log-errors/ prefixes of the lake.',
    );

    this.deliveryStream = new CfnDeliveryStream(this, 'Stream', {
      deliveryStreamName: this.deliveryStreamName,
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'CUSTOMER_MANAGED_CMK', keyArn: props.dataKey.keyArn },
      extendedS3DestinationConfiguration: {
        bucketArn: lake,
        roleArn: this.deliveryRole.roleArn,
        prefix,
        errorOutputPrefix: `${PREDICTION_LOG_ERROR_PREFIX}/!{firehose:error-output-type}/date=!{timestamp:yyyy-MM-dd}/`,
        fileExtension: extension,
        // The outcome join reads objects as plain UTF-8 JSON lines.
        compressionFormat: 'UNCOMPRESSED',
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: props.dataKey.keyArn } },
        // The join runs hourly and a forecast's target bar is at least an hour away: the longest interval keeps
        // objects few (the join lists them all) and still lands every record well before its outcome is known.
        // 64 MiB is the smallest size dynamic partitioning accepts.
        bufferingHints: { intervalInSeconds: 900, sizeInMBs: 64 },
        dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
        processingConfiguration: {
          enabled: true,
          processors: [
            // CloudWatch Logs delivers gzip'd batches of log events; keep each event's message, the line serving wrote.
            { type: 'Decompression', parameters: [{ parameterName: 'CompressionFormat', parameterValue: 'GZIP' }] },
            {
              type: 'CloudWatchLogProcessing',
              parameters: [{ parameterName: 'DataMessageExtraction', parameterValue: 'true' }],
            },
            {
              type: 'MetadataExtraction',
              parameters: [
                { parameterName: 'MetadataExtractionQuery', parameterValue: PREDICTION_PARTITION_QUERY },
                { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
              ],
            },
            // Firehose concatenates records as they are; the reader splits on newlines.
            { type: 'AppendDelimiterToRecord' },
          ],
        },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: errorLogs.logGroupName,
          logStreamName: errorStream.logStreamName,
        },
        s3BackupMode: 'Disabled',
      },
    });

    this.subscriptionRole = new Role(this, 'SubscriptionRole', {
      assumedBy: new ServicePrincipal('logs.amazonaws.com', {
        conditions: {
          StringLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
        },
      }),
      description: 'CloudWatch Logs forwards prediction log lines to Firehose',
      inlinePolicies: {
        forward: new PolicyDocument({
          statements: [
            new PolicyStatement({
              actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
              resources: [this.deliveryStream.attrArn],
            }),
          ],
        }),
      },
    });
    new CfnSubscriptionFilter(this, 'Subscription', {
      logGroupName: props.source.logGroupName,
      filterPattern: PREDICTION_LOG_FILTER,
      destinationArn: this.deliveryStream.attrArn,
      roleArn: this.subscriptionRole.roleArn,
    });
  }
}

function errorStreamArn(group: LogGroup, stream: LogStream): string {
  const logs = `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}`;
  return `${logs}:log-group:${group.logGroupName}:log-stream:${stream.logStreamName}`;
}
