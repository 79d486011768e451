import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { loadConfig } from '../../../core/config/index.js';
import { createKafka } from '../../../core/kafka/client.js';
import { auditLake } from '../../../core/lake/index.js';
import { connectEventProducer } from '../../../lambdas/ingest/producer.js';
import { produceReplay, replayEventIds } from '../../../local/replay/replay-producer.js';
import { ensureIngestTopics, startLocalSink, waitForDrain } from '../../../local/event-source/index.js';
import { createRestartableBroker, type RestartableBroker } from './restartable-broker.js';

const EVENTS = 20_000;

describe('broker restart during production', () => {
  let broker: RestartableBroker;
  beforeAll(async () => {
    broker = await createRestartableBroker();
  });
  afterAll(async () => broker?.destroy());

  it('loses nothing and duplicates nothing', async () => {
    const config = loadConfig({ env: { ...process.env, SIGNALFORGE_ENV: 'local' } });
    // Connection attempts are retried for ~60 s, longer than a broker restart takes on a loaded machine.
    const kafka = createKafka(config, {
      brokers: broker.brokers,
      clientId: 'it-restart',
      retry: { retries: 40, maxRetryTime: 2_000 },
    });
    const admin = kafka.admin();
    await admin.connect();
    const topics = await ensureIngestTopics(admin, config);
    await admin.disconnect();
    const s3 = new S3Client(awsClientConfig());
    const bucket = `sf-ingest-restart-${randomBytes(4).toString('hex')}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const groupId = 'it-restart-sink';
    const sink = await startLocalSink({
      config,
      kafka,
      brokers: broker.brokers,
      lakeBucket: bucket,
      groupId,
      batchSize: 1000,
      batchWindowMs: 100,
      logger: new Logger({ serviceName: 'it', logLevel: 'ERROR' }),
    });

    const producer = await connectEventProducer(kafka, { lanes: 2 });
    let restarted: Promise<void> | undefined;
    const options = { config, events: EVENTS };
    const report = await produceReplay(producer, {
      ...options,
      chunkSize: 500,
      onProgress: (sent) => {
        // Restart in the background while the producer keeps sending; its sends block and retry meanwhile.
        if (!restarted && sent >= EVENTS / 4) restarted = broker.stop().then(() => broker.start());
      },
    });
    await restarted;
    await producer.disconnect();
    expect(restarted).toBeDefined();
    expect(report.events).toBe(EVENTS);

    const checkAdmin = kafka.admin();
    await checkAdmin.connect();
    await waitForDrain(checkAdmin, groupId, topics, 120_000);
    await checkAdmin.disconnect();
    await sink.stop();

    const audit = await auditLake(s3, bucket, config.ingest.lakePrefix);
    expect(audit.duplicateEventIds).toEqual([]);
    expect(audit.duplicateOffsets).toEqual([]);
    expect(audit.rows).toBe(EVENTS);
    expect([...replayEventIds(options)].every((id) => audit.countsByEventId.get(id) === 1)).toBe(true);
  });
});
