import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { Admin, Kafka } from 'kafkajs';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { loadConfig, type SignalForgeConfig } from '../../../core/config/index.js';
import { createKafka } from '../../../core/kafka/client.js';
import { listKeys, getObjectBytes } from '../../../core/lake/index.js';
import { ensureIngestTopics } from '../../../local/event-source/index.js';

export interface IngestTestEnv {
  config: SignalForgeConfig;
  kafka: Kafka;
  admin: Admin;
  s3: S3Client;
  bucket: string;
  namespace: string;
  topics: string[];
  close(): Promise<void>;
}

/** A private namespace of topics and a private bucket on the shared broker and moto, per test. */
export async function ingestTestEnv(label: string): Promise<IngestTestEnv> {
  const suffix = randomBytes(4).toString('hex');
  const config = loadConfig({ env: { ...process.env, SIGNALFORGE_ENV: 'local' } });
  const kafka = createKafka(config, { clientId: `it-${label}-${suffix}` });
  const admin = kafka.admin();
  await admin.connect();
  const namespace = `it-${label}-${suffix}`;
  const topics = await ensureIngestTopics(admin, config, namespace);
  const s3 = new S3Client(awsClientConfig());
  const bucket = `sf-ingest-${label}-${suffix}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    config,
    kafka,
    admin,
    s3,
    bucket,
    namespace,
    topics,
    async close() {
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

export interface DeadLetter {
  reason: string;
  detail: string;
  topic: string;
  partition: number;
  offset: number;
  valueBase64: string | null;
}

export async function readDeadLetters(env: IngestTestEnv): Promise<DeadLetter[]> {
  const keys = await listKeys(env.s3, env.bucket, `${env.config.ingest.deadLetterPrefix}/`);
  return Promise.all(
    keys.map(
      async ({ key }) =>
        JSON.parse(Buffer.from((await getObjectBytes(env.s3, env.bucket, key))!).toString('utf8')) as DeadLetter,
    ),
  );
}
