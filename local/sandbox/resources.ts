import { CreateBucketCommand, PutBucketVersioningCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TOPIC_NAMES, type SignalForgeConfig } from '../../core/config/index.js';
import { physicalTopic } from '../../core/events/index.js';
import { createKafka } from '../../core/kafka/client.js';
import { onlineStoreTableDefinition } from '../../core/online/index.js';
import { registryTableDefinition } from '../../core/registry/index.js';
import { dataNames } from '../../lib/data/data-names.js';
import { handleTopicsEvent, type TopicsResourceResult } from '../../lambdas/topics/topics-resource.js';

/** The emulator's account id; any fixed value works, this is the one moto and LocalStack report. */
export const LOCAL_ACCOUNT_ID = '000000000000';

export interface SandboxResources {
  lakeBucket: string;
  artifactBucket: string;
  registryTable: string;
  onlineStoreTable: string;
  /** Physical Kafka topic names, by logical topic. */
  topics: Record<(typeof TOPIC_NAMES)[number], string>;
  namespace?: string;
}

/**
 * The physical names the CDK data stack gives these resources (lib/data/data-names.ts), with the
 * account and region tokens filled in for the emulator, so local and deployed names follow one rule.
 */
export function sandboxResourceNames(config: SignalForgeConfig, region: string, namespace?: string): SandboxResources {
  const names = dataNames(config.envName);
  const fill = (name: string) =>
    name
      .replace(/\$\{Token\[AWS\.AccountId\.\d+\]\}/g, LOCAL_ACCOUNT_ID)
      .replace(/\$\{Token\[AWS\.Region\.\d+\]\}/g, region);
  const topics = Object.fromEntries(
    TOPIC_NAMES.map((t) => [t, physicalTopic(t, namespace)]),
  ) as SandboxResources['topics'];
  const out: SandboxResources = {
    lakeBucket: fill(names.lakeBucket),
    artifactBucket: fill(names.artifactBucket),
    registryTable: names.registryTable,
    onlineStoreTable: names.onlineStoreTable,
    topics,
    ...(namespace ? { namespace } : {}),
  };
  for (const [what, value] of Object.entries(out)) {
    if (typeof value === 'string' && value.includes('${Token['))
      throw new Error(`unresolved CDK token in the ${what} name: ${value}`);
  }
  return out;
}

function alreadyExists(err: unknown): boolean {
  const name = (err as { name?: string }).name ?? '';
  return ['BucketAlreadyOwnedByYou', 'BucketAlreadyExists', 'ResourceInUseException'].includes(name);
}

async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if (!alreadyExists(err)) throw err;
  }
  // Versioned like the deployed buckets: the dataset snapshot pins object versions.
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

async function ensureTable(
  ddb: DynamoDBClient,
  input: ConstructorParameters<typeof CreateTableCommand>[0],
): Promise<void> {
  try {
    await ddb.send(new CreateTableCommand(input));
  } catch (err) {
    if (!alreadyExists(err)) throw err;
  }
  for (let i = 0; i < 100; i++) {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: input.TableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`table ${input.TableName} did not become ACTIVE`);
}

/**
 * Topics through the deployed custom resource's own logic (a Create request with a broker list
 * instead of a cluster ARN): create missing ones, grow partitions, never delete.
 */
export async function provisionTopics(
  config: SignalForgeConfig,
  brokers: string[],
  resources: SandboxResources,
): Promise<TopicsResourceResult> {
  const topics = TOPIC_NAMES.map((t) => ({ name: resources.topics[t], ...config.kafka.topics[t] }));
  return handleTopicsEvent(
    {
      RequestType: 'Create',
      ResourceProperties: { Brokers: brokers.join(','), Topics: topics, DeleteTopicsOnRemoval: 'false' },
    },
    {
      connect: async () => {
        const admin = createKafka(config, { brokers, clientId: `${config.kafka.clientId}-topics` }).admin();
        await admin.connect();
        return { admin, close: () => admin.disconnect() };
      },
    },
  );
}

export interface ProvisionReport {
  topicsCreated: string[];
  topicsExisting: number;
}

/** Buckets, tables and topics, all idempotent: a second run finds them and changes nothing. */
export async function provisionResources(input: {
  config: SignalForgeConfig;
  brokers: string[];
  s3: S3Client;
  ddb: DynamoDBClient;
  resources: SandboxResources;
}): Promise<ProvisionReport> {
  const { resources } = input;
  const [topicResult] = await Promise.all([
    provisionTopics(input.config, input.brokers, resources),
    ensureBucket(input.s3, resources.lakeBucket),
    ensureBucket(input.s3, resources.artifactBucket),
    ensureTable(input.ddb, registryTableDefinition(resources.registryTable)),
    // No TTL locally: the replayed bars are years old, so an emulator that honours TTL would prune every window.
    ensureTable(input.ddb, onlineStoreTableDefinition(resources.onlineStoreTable)),
  ]);
  const created = topicResult.data.Created ? topicResult.data.Created.split(',') : [];
  return { topicsCreated: created, topicsExisting: TOPIC_NAMES.length - created.length };
}
