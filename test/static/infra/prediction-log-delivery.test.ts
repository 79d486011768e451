import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  PREDICTIONS_PREFIX,
  parsePredictionLines,
  predictionObjectKey,
  predictionsKeyPrefix,
  type PredictionRecord,
} from '../../../core/live/index.js';
import { logLineSink, predictionRecord } from '../../../lambdas/serving/inference/prediction-log.js';
import { DeployedApp, deployedApp, simulateRequest, type IamRequest } from '../../support/iam/index.js';

/**
 * The AWS path of the prediction log, checked on the synthesized templates: the inference function's log group ->
 * subscription filter -> Firehose -> the lake objects the outcome join reads (lambdas/serving/outcomes/lake-io.ts
 * lists `predictionsKeyPrefix(key)` and parses each object with `parsePredictionLines`). No AWS account here, so
 * nothing is deployed: the layout, the JQ query (run by the jq binary, the engine Firehose names) and IAM (with the
 * same resolver and simulator as the integration harness) are what can be proven.
 */
const { synth, app } = deployedApp();
const delivery = synth.stacks.inference.predictionLog;
const [stream, ...otherStreams] = app.resourcesOfType('AWS::KinesisFirehose::DeliveryStream');
/** The delivery stream's S3 destination, as far as this test reads it. */
interface S3Destination {
  ProcessingConfiguration: {
    Processors: { Type: string; Parameters?: { ParameterName: string; ParameterValue: string }[] }[];
  };
  DynamicPartitioningConfiguration: { Enabled: boolean };
  EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: unknown } };
  BucketARN: string;
  Prefix: string;
  ErrorOutputPrefix: string;
  FileExtension: string;
  CompressionFormat: string;
  BufferingHints: unknown;
  CloudWatchLoggingOptions: { Enabled: boolean; LogGroupName: unknown };
}
const s3 = stream!.props.ExtendedS3DestinationConfiguration as S3Destination;
const processors = s3.ProcessingConfiguration.Processors;
const parameter = (type: string, name: string) =>
  processors.find((p) => p.Type === type)?.Parameters?.find((p) => p.ParameterName === name)?.ParameterValue;
const lakeArn = s3.BucketARN as string;
const lakeBucket = lakeArn.slice(lakeArn.indexOf(':::') + 3);

/** Records exactly as the inference handler writes them: its sink, its record builder, one line each. */
function written(records: Parameters<typeof predictionRecord>[0][]): { lines: string[]; records: PredictionRecord[] } {
  const lines: string[] = [];
  const sink = logLineSink((line) => lines.push(line));
  const built = records.map(predictionRecord);
  for (const r of built) sink(r);
  return { lines, records: built };
}
// Logged a moment before midnight UTC: its day comes from the record, not from when Firehose receives it.
const sample = written([
  {
    requestId: 'req-1',
    key: 'SPX#1d',
    version: 3,
    variant: 'canary',
    asOfMs: Date.parse('2026-12-01T00:00:00Z'),
    prediction: 0.0123,
    metadata: { featureSpec: { lags: 5 } },
    nowMs: Date.parse('2026-12-01T23:59:59.900Z'),
  },
  {
    requestId: 'req-2',
    key: 'BTC-USD#4h',
    version: 7,
    variant: 'production',
    asOfMs: Date.parse('2026-12-02T08:00:00Z'),
    prediction: -0.004,
    metadata: { featureSpec: { lags: 9 } },
    nowMs: Date.parse('2026-12-02T08:00:01Z'),
  },
]);

/** Firehose's rendering of the S3 prefix for one record's partition keys. */
const renderPrefix = (keys: Record<string, string>) =>
  (s3.Prefix as string).replace(/!\{partitionKeyFromQuery:([a-z]+)\}/g, (_m, name: string) => {
    const value = keys[name];
    if (value === undefined) throw new Error(`prefix uses partition key ${name}, which the query does not give`);
    return value;
  });
/** The object the join reads for a record: the lake layout of core/live/lake-keys.ts, Firehose's batch name. */
const expectedKey = (r: PredictionRecord, batch: string) => predictionObjectKey(r.key, r.loggedAt.slice(0, 10), batch);

const jq = spawnSync('jq', ['--version'], { encoding: 'utf8' });
const hasJq = jq.status === 0;

describe('prediction log delivery (inference log group -> subscription -> Firehose -> lake)', () => {
  it('is one stream, into the lake, partitioned into exactly the layout core/live/lake-keys.ts reads', () => {
    expect(otherStreams).toEqual([]);
    expect(stream!.props.DeliveryStreamName).toBe(delivery.deliveryStreamName);
    expect(app.bucketKey(lakeBucket), 'the bucket is the lake').toBeDefined();
    expect(s3.DynamicPartitioningConfiguration.Enabled).toBe(true);
    for (const r of sample.records) {
      // Partition keys as the query defines them: the config key split on '#', the UTC day of loggedAt.
      const [symbol, timeframe] = r.key.split('#') as [string, string];
      const prefix = renderPrefix({ symbol, timeframe, date: r.loggedAt.slice(0, 10) });
      const objectKey = `${prefix}batch-1${s3.FileExtension}`;
      expect(objectKey).toBe(expectedKey(r, 'batch-1'));
      expect(objectKey.startsWith(predictionsKeyPrefix(r.key)), 'the join lists this prefix').toBe(true);
    }
  });

  it.skipIf(!hasJq)(
    'the JQ query, run by jq on the line exactly as serving writes it, yields the keys of that layout',
    () => {
      expect(parameter('MetadataExtraction', 'JsonParsingEngine')).toBe('JQ-1.6');
      const query = parameter('MetadataExtraction', 'MetadataExtractionQuery')!;
      sample.lines.forEach((line, i) => {
        // What message extraction hands on: the log event's message, the line serving wrote.
        const run = spawnSync('jq', ['-c', query], { input: line, encoding: 'utf8' });
        expect(run.status, run.stderr).toBe(0);
        const keys = JSON.parse(run.stdout) as Record<string, string>;
        const r = sample.records[i]!;
        expect(`${renderPrefix(keys)}b${s3.FileExtension}`, `${jq.stdout.trim()} on ${line}`).toBe(expectedKey(r, 'b'));
      });
      // The record logged at 23:59:59.900 UTC stays on its own day.
      expect(expectedKey(sample.records[0]!, 'b')).toContain('/date=2026-12-01/');
    },
  );

  it('delivers plain JSON lines the outcome join parses, one record per line, errors outside predictions/', () => {
    expect(processors.map((p) => p.Type)).toEqual([
      'Decompression',
      'CloudWatchLogProcessing',
      'MetadataExtraction',
      'AppendDelimiterToRecord',
    ]);
    expect(parameter('Decompression', 'CompressionFormat')).toBe('GZIP');
    expect(parameter('CloudWatchLogProcessing', 'DataMessageExtraction')).toBe('true');
    expect(s3.CompressionFormat).toBe('UNCOMPRESSED');
    // An object is the extracted messages, each followed by the appended delimiter, whether or not the log event
    // kept the line's own newline; the join reads back every record and nothing else.
    for (const messages of [sample.lines, sample.lines.map((l) => l.trimEnd())]) {
      const object = messages.map((m) => `${m}\n`).join('');
      expect(parsePredictionLines(object)).toEqual({ records: sample.records, invalid: 0 });
    }
    // Without the delimiter the records run together and the join could read none of them.
    expect(parsePredictionLines(sample.lines.map((l) => l.trimEnd()).join('')).records).toEqual([]);
    expect(s3.ErrorOutputPrefix).toContain('!{firehose:error-output-type}');
    expect((s3.ErrorOutputPrefix as string).startsWith(`${PREDICTIONS_PREFIX}/`)).toBe(false);
    expect(s3.BufferingHints).toEqual({ IntervalInSeconds: 900, SizeInMBs: 64 });
  });

  it("subscribes the inference function's log group, whose Text format passes stdout lines on as messages", () => {
    const filters = app.resourcesOfType('AWS::Logs::SubscriptionFilter');
    expect(filters).toHaveLength(1);
    const filter = filters[0]!.props;
    const kinds = new Set(sample.records.map((r) => r.kind));
    expect(kinds.size).toBe(1);
    expect(filter.FilterPattern).toBe(`{ $.kind = "${[...kinds][0]}" }`);
    const { stack, logicalId } = DeployedApp.locate(synth.stacks.inference.inferenceFunction);
    const fn = app.templates[stack]!.Resources[logicalId]!.Properties!;
    expect(filter.LogGroupName).toBe(app.resolve(stack, fn.LoggingConfig.LogGroup));
    // JSON log format would wrap console output; raw stdout lines arrive as-is either way, and the default is Text.
    expect(fn.LoggingConfig.LogFormat ?? 'Text').toBe('Text');
    const streamArn = app.resolve(stream!.stack, { 'Fn::GetAtt': [stream!.logicalId, 'Arn'] });
    expect(filter.DestinationArn).toBe(streamArn);
    expect(filter.RoleArn).toBe(app.role(delivery.subscriptionRole).roleArn);
  });
});

describe('prediction log IAM', () => {
  const decide = (
    role: Parameters<typeof simulateRequest>[1],
    request: Omit<IamRequest, 'context'> & { context?: IamRequest['context'] },
  ) => simulateRequest(app, role, { context: {}, ...request });
  const firehose = app.role(delivery.deliveryRole);
  const key = app.bucketKey(lakeBucket)!;
  const object = (k: string) => `${lakeArn}/${k}`;

  it('lets Firehose put objects under predictions/ and its error prefix only, and read none', async () => {
    const predictions = object(expectedKey(sample.records[0]!, 'signalforge-dev-prediction-log-1-2026-12-01-x.jsonl'));
    const errors = object(`${(s3.ErrorOutputPrefix as string).split('/')[0]}/processing-failed/date=2026-12-01/x`);
    for (const resource of [predictions, errors])
      for (const action of ['s3:PutObject', 's3:AbortMultipartUpload'])
        expect(await decide(firehose, { action, resource }), `${action} ${resource}`).toBe('Allowed');
    for (const resource of [
      object('lake/topic=market-data/x.parquet'),
      object('outcomes/symbol=SPX/timeframe=1d/v3.json'),
    ])
      expect(await decide(firehose, { action: 's3:PutObject', resource }), resource).not.toBe('Allowed');
    for (const action of ['s3:GetObject', 's3:DeleteObject'])
      expect(await decide(firehose, { action, resource: predictions }), action).not.toBe('Allowed');
    const s3Actions = firehose.policies.flatMap((p) =>
      p.document.Statement.flatMap((s) => [s.Action].flat() as string[]).filter((a) => a.startsWith('s3:')),
    );
    expect(new Set(s3Actions)).toEqual(new Set(['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetBucketLocation']));
  });

  it('lets Firehose use the data key only through S3 and only for its own lake objects', () => {
    expect(s3.EncryptionConfiguration.KMSEncryptionConfig.AWSKMSKeyARN).toBe(key);
    // Checked on the statement: the IAM simulator does not evaluate kms:EncryptionContext:<key> conditions.
    const kms = firehose.policies.flatMap((p) =>
      p.document.Statement.filter((s) => ([s.Action].flat() as string[]).some((a) => a.startsWith('kms:'))),
    );
    const prefixes = [PREDICTIONS_PREFIX, (s3.ErrorOutputPrefix as string).split('/')[0]];
    expect(kms).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: key,
        Condition: {
          StringEquals: { 'kms:ViaService': `s3.${app.region}.amazonaws.com` },
          // With S3 Bucket Keys (the lake has them) the context is the bucket; without, the object.
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [lakeArn, ...prefixes.map((p) => `${lakeArn}/${p}/*`)] },
        },
      },
    ]);
  });

  it('lets CloudWatch Logs put records to this stream only, and each role be assumed only by its service', async () => {
    const logs = app.role(delivery.subscriptionRole);
    const streamArn = app.resolve(stream!.stack, { 'Fn::GetAtt': [stream!.logicalId, 'Arn'] }) as string;
    for (const action of ['firehose:PutRecord', 'firehose:PutRecordBatch'])
      expect(await decide(logs, { action, resource: streamArn }), action).toBe('Allowed');
    const other = streamArn.replace(/deliverystream\/.*/, 'deliverystream/another');
    expect(await decide(logs, { action: 'firehose:PutRecordBatch', resource: other })).not.toBe('Allowed');
    const trust = (role: DeployedApp['templates'][string]['Resources'][string]) =>
      (
        role.Properties!.AssumeRolePolicyDocument.Statement as {
          Principal: { Service: unknown };
          Condition?: Record<string, Record<string, unknown>>;
        }[]
      ).map((s) => ({
        service: s.Principal.Service,
        condition: Object.keys(Object.values(s.Condition ?? {})[0] ?? {}),
      }));
    const resources = app.templates[stream!.stack]!.Resources;
    expect(trust(resources[DeployedApp.locate(delivery.deliveryRole).logicalId]!)).toEqual([
      { service: 'firehose.amazonaws.com', condition: ['sts:ExternalId'] },
    ]);
    expect(trust(resources[DeployedApp.locate(delivery.subscriptionRole).logicalId]!)).toEqual([
      { service: 'logs.amazonaws.com', condition: ['aws:SourceArn'] },
    ]);
  });

  it('encrypts the stream with the data key; failed S3 deliveries, throttled and failed records alarm', () => {
    expect(stream!.props.DeliveryStreamEncryptionConfigurationInput).toEqual({
      KeyType: 'CUSTOMER_MANAGED_CMK',
      KeyARN: key,
    });
    const alarms = app
      .resourcesOfType('AWS::CloudWatch::Alarm')
      .filter((a) => JSON.stringify(a.props).includes(`"Value":"${delivery.deliveryStreamName}"`));
    expect(alarms).toHaveLength(1);
    const metrics = (alarms[0]!.props.Metrics as { MetricStat?: { Metric: { MetricName: string } } }[])
      .map((m) => m.MetricStat?.Metric.MetricName)
      .filter(Boolean);
    expect(metrics.sort()).toEqual(['DeliveryToS3.Success', 'PredictionLogFailedRecords', 'ThrottledRecords']);
    // Failed records are every event Firehose logs to the stream's own error log group.
    const [filter, ...others] = app
      .resourcesOfType('AWS::Logs::MetricFilter')
      .filter((f) => f.props.MetricTransformations[0].MetricName === 'PredictionLogFailedRecords');
    expect(others).toEqual([]);
    expect(filter!.props.LogGroupName).toBe(s3.CloudWatchLoggingOptions.LogGroupName);
    expect(filter!.props.FilterPattern).toBe('');
    expect(s3.CloudWatchLoggingOptions.Enabled).toBe(true);
    expect(JSON.stringify(alarms[0]!.props.AlarmActions)).toContain(':sns:');
  });
});
