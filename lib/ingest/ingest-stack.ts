import { Duration, Stack } from 'aws-cdk-lib';
import { SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EventSourceMapping, StartingPosition, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TOPIC_NAMES, type TopicName } from '../../core/config/index.js';
import { scheduleLambda } from '../constructs/lambda-schedule.js';
import { SignalForgeFunction } from '../constructs/signalforge-function.js';
import {
  grantItemReadWrite,
  grantObjectDelete,
  grantObjectGet,
  grantObjectRead,
  grantObjectWrite,
} from '../data/data-grants.js';
import { dataNames } from '../data/data-names.js';
import { acknowledge } from '../nag/acknowledge.js';
import { constructIdFor, PRODUCER_SOURCES, runtimeEnvironment } from '../runtime-environment.js';
import type { IngestStackProps } from './ingest-stack-props.js';

export type { IngestStackProps } from './ingest-stack-props.js';

/** One scheduled producer per source and one sink per topic on an MSK event source mapping. */
export class IngestStack extends Stack {
  readonly producers = new Map<string, SignalForgeFunction>();
  readonly sinks = new Map<TopicName, SignalForgeFunction>();
  /** Records the sinks gave up on, with the mapping's failure context. */
  readonly deadLetterQueue: Queue;
  /** Rewrites closed lake days into one object per topic/symbol/day (core/lake/compaction.ts). */
  readonly lakeCompaction: SignalForgeFunction;

  constructor(scope: Construct, id: string, props: IngestStackProps) {
    super(scope, id, props);
    const { config, cluster } = props;
    const names = dataNames(config.envName);
    const env = runtimeEnvironment({ MSK_CLUSTER_ARN: cluster.clusterArn, LAKE_BUCKET: names.lakeBucket });

    const producerSg = new SecurityGroup(this, 'ProducerSecurityGroup', {
      vpc: props.vpc,
      description: 'SignalForge producers: HTTPS to data vendors and AWS APIs, IAM listener on MSK',
      allowAllOutbound: true,
    });
    for (const p of PRODUCER_SOURCES) {
      const fn = new SignalForgeFunction(this, `${p.id}Producer`, {
        entry: 'lambdas/ingest/producer.handler.ts',
        config,
        description: `Polls ${p.source} and produces to Kafka topic ${p.topic}`,
        timeout: Duration.seconds(55),
        vpc: props.vpc,
        vpcSubnets: props.producerSubnets,
        securityGroups: [producerSg],
        logKey: props.logKey,
        environment: { ...env, SOURCE: p.source },
      });
      cluster.grantProduce(fn, [p.topic]);
      this.grantVendorSecret(fn, p.source, config);
      scheduleLambda(this, `${p.id}Schedule`, fn, {
        description: `Run the ${p.source} producer`,
        expression: config.schedules.producers[p.scheduleKey],
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      });
      this.producers.set(p.source, fn);
    }
    cluster.allowFrom(producerSg, 'SignalForge producers');

    this.deadLetterQueue = new Queue(this, 'SinkDeadLetters', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter destination of the sink event source mappings; a DLQ for the DLQ would only move the same records again.',
    );

    for (const topic of TOPIC_NAMES) {
      const partitions = config.kafka.topics[topic].partitions;
      const fn = new SignalForgeFunction(this, `${constructIdFor(topic)}Sink`, {
        entry: 'lambdas/ingest/sink.handler.ts',
        config,
        description: `Writes Kafka topic ${topic} to the S3 lake`,
        timeout: Duration.minutes(2),
        memorySize: 1024,
        logKey: props.logKey,
        // The market-data sink keeps the online bar store (core/online) after each lake write.
        environment: {
          ...env,
          TOPIC: topic,
          ...(topic === 'market-data' ? { ONLINE_STORE_TABLE: names.onlineStoreTable } : {}),
        },
        // The lake writer relies on S3 conditional writes (PutObject IfNoneMatch) for exactly-once
        // objects; ship the SDK version the tests ran rather than whatever the runtime carries.
        bundleAwsSdk: true,
      });
      const lake = { bucketName: names.lakeBucket, key: props.dataKey };
      const lakeObjects = `${config.ingest.lakePrefix}/topic=${topic}`;
      // The batch ledger (core/lake batchLedgerKey): created before the data, read back and rewritten
      // when a retry starts at the same offset, whose stale lake objects are then deleted.
      const ledger = `${config.ingest.lakePrefix}/_batches/topic=${topic}`;
      const quarantine = `${config.quality.quarantinePrefix}/topic=${topic}`;
      grantObjectWrite(
        fn,
        lake,
        [lakeObjects, `${config.ingest.deadLetterPrefix}/topic=${topic}`, quarantine, ledger],
        `Lake object keys carry symbol, date and Kafka offsets known only at run time; writes are limited to topic=${topic} under the lake, dead-letter, quarantine and batch-ledger prefixes.`,
      );
      grantObjectGet(
        fn,
        lake,
        [ledger],
        `Ledger keys are named by partition and first offset, known only at run time; reads are by key (no listing), limited to the topic=${topic} ledger.`,
      );
      grantObjectDelete(
        fn,
        lake,
        [lakeObjects],
        `A retry with different batch boundaries deletes the lake objects of the abandoned attempt (keys named by offsets at run time); deletes are limited to topic=${topic} lake objects, and without s3:DeleteObjectVersion the bucket keeps their versions.`,
      );
      // Writes after each lake write; reads a series' trailing bars for the move rule on a cold start.
      if (topic === 'market-data') grantItemReadWrite(fn, names.onlineStoreTable, props.dataKey);
      this.attachSink(fn, topic, partitions, props);
      this.sinks.set(topic, fn);
    }
    this.lakeCompaction = this.addLakeCompaction(props);
  }

  private addLakeCompaction(props: IngestStackProps): SignalForgeFunction {
    const { config } = props;
    const names = dataNames(config.envName);
    const fn = new SignalForgeFunction(this, 'LakeCompaction', {
      entry: 'lambdas/lake/compaction.handler.ts',
      config,
      description: 'Rewrites closed lake days into one Parquet object per topic/symbol/day',
      timeout: Duration.minutes(15),
      memorySize: 3008,
      logKey: props.logKey,
      environment: runtimeEnvironment({ LAKE_BUCKET: names.lakeBucket }),
    });
    const lake = { bucketName: names.lakeBucket, key: props.dataKey };
    const topics = TOPIC_NAMES.map((t) => `${config.ingest.lakePrefix}/topic=${t}`);
    grantObjectRead(
      fn,
      lake,
      topics,
      'Compaction lists and reads every lake object of a closed day; keys carry symbols, dates and offsets known only at run time.',
    );
    grantObjectWrite(
      fn,
      lake,
      topics,
      'Day objects are named by topic, symbol and date (topic=<t>/symbol=<s>/date=<d>/day.parquet).',
    );
    grantObjectDelete(
      fn,
      lake,
      topics,
      'Compaction deletes the batch objects a day object replaced; without s3:DeleteObjectVersion the bucket keeps their versions, which dataset manifests pin.',
    );
    scheduleLambda(this, 'LakeCompactionSchedule', fn, {
      description: 'Compact closed lake days',
      expression: config.schedules.lakeCompaction,
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
    });
    return fn;
  }

  private attachSink(fn: SignalForgeFunction, topic: TopicName, partitions: number, props: IngestStackProps): void {
    const { config, cluster } = props;
    const groupId = `signalforge-${config.envName}-sink-${topic}`;
    cluster.grantConsume(fn, topic, groupId);
    new EventSourceMapping(this, `${constructIdFor(topic)}Mapping`, {
      target: fn as IFunction,
      eventSourceArn: cluster.clusterArn,
      kafkaTopic: topic,
      kafkaConsumerGroupId: groupId,
      startingPosition:
        config.ingest.startingPosition === 'LATEST' ? StartingPosition.LATEST : StartingPosition.TRIM_HORIZON,
      batchSize: config.ingest.batchSize,
      maxBatchingWindow: Duration.seconds(config.ingest.batchWindowSeconds),
      onFailure: new SqsDlq(this.deadLetterQueue),
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: 3,
      provisionedPollerConfig: {
        minimumPollers: props.pollers?.minimumPollers ?? 1,
        maximumPollers: props.pollers?.maximumPollers ?? Math.max(partitions, props.pollers?.minimumPollers ?? 1),
      },
    });
  }

  /** Producers read their vendor credentials from Secrets Manager, by the names config gives. */
  private grantVendorSecret(fn: SignalForgeFunction, source: string, config: IngestStackProps['config']): void {
    const sources = config.sources;
    if (!sources) return;
    const secretId =
      source === 'market-data'
        ? sources.marketData.apiKeySecretId
        : source === 'news'
          ? sources.news.apiKeySecretId
          : source === 'social'
            ? sources.social.credentialsSecretId
            : undefined;
    if (!secretId) return;
    // Secrets Manager appends a random 6-character suffix to every secret ARN.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [`arn:${this.partition}:secretsmanager:${this.region}:${this.account}:secret:${secretId}-??????`],
      }),
    );
  }
}
