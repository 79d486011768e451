import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/index.js';
import { createKafka } from '../../../core/kafka/client.js';

const MESSAGES = 10_000;
const KEYS = 250;

interface Seen {
  partition: number;
  offset: bigint;
  key: string;
  seq: number;
}

describe('local Kafka broker (KRaft) with kafkajs', () => {
  const config = loadConfig();
  const kafka = createKafka(config, { clientId: 'services-smoke' });
  // Same partition count as the busiest real topic, under a name no other test uses.
  const partitions = config.kafka.topics['market-data'].partitions;
  const topic = `smoke-${randomUUID()}`;
  const groupId = `smoke-group-${randomUUID()}`;
  let admin: Admin;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it('does not auto-create topics', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 1 } });
    await producer.connect();
    try {
      await expect(producer.send({ topic: `missing-${randomUUID()}`, messages: [{ value: 'x' }] })).rejects.toThrow();
    } finally {
      await producer.disconnect();
    }
  });

  it('delivers 10,000 keyed messages through a consumer group, in order per partition, with offsets committed', async () => {
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const nextSeq = new Map<string, number>();
    const batch: { key: string; value: string }[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const key = `key-${i % KEYS}`;
      const seq = nextSeq.get(key) ?? 0;
      nextSeq.set(key, seq + 1);
      batch.push({ key, value: JSON.stringify({ key, seq, i }) });
    }
    for (let start = 0; start < batch.length; start += 1_000) {
      await producer.send({ topic, acks: -1, messages: batch.slice(start, start + 1_000) });
    }
    await producer.disconnect();

    const seen: Seen[] = [];
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const allSeen = new Promise<void>((resolveAll) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const body = JSON.parse(message.value!.toString()) as { key: string; seq: number };
          expect(message.key!.toString()).toBe(body.key);
          seen.push({ partition, offset: BigInt(message.offset), key: body.key, seq: body.seq });
          if (seen.length === MESSAGES) resolveAll();
        },
      });
    });
    await allSeen;
    // Disconnecting commits the offsets of everything processed.
    await consumer.disconnect();

    expect(seen).toHaveLength(MESSAGES);
    const usedPartitions = new Set(seen.map((s) => s.partition));
    expect(usedPartitions.size).toBe(partitions);

    // Offsets grow within each partition, and each key stays on one partition with its sequence in order.
    const lastOffset = new Map<number, bigint>();
    const keyPartition = new Map<string, number>();
    const lastSeq = new Map<string, number>();
    for (const s of seen) {
      const prev = lastOffset.get(s.partition);
      if (prev !== undefined) expect(s.offset > prev).toBe(true);
      lastOffset.set(s.partition, s.offset);
      expect(keyPartition.get(s.key) ?? s.partition).toBe(s.partition);
      keyPartition.set(s.key, s.partition);
      expect(s.seq).toBe((lastSeq.get(s.key) ?? -1) + 1);
      lastSeq.set(s.key, s.seq);
    }
    expect([...lastSeq.values()].reduce((sum, last) => sum + last + 1, 0)).toBe(MESSAGES);

    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committedByPartition = new Map(committed!.partitions.map((p) => [p.partition, p.offset]));
    for (const end of ends) {
      expect(committedByPartition.get(end.partition)).toBe(end.high);
    }
    expect(ends.reduce((sum, end) => sum + Number(end.high), 0)).toBe(MESSAGES);
  });

  // Kafka 4 removed old protocol versions (KIP-896); these are the other kafkajs calls the project
  // makes (topic custom resource, sink, sandbox), so they must still negotiate a version with the broker.
  it('serves the admin, timestamp-lookup and transactional calls kafkajs makes', async () => {
    const extra = `smoke-admin-${randomUUID()}`;
    await admin.createTopics({
      topics: [{ topic: extra, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
      waitForLeaders: true,
    });
    await admin.createPartitions({ topicPartitions: [{ topic: extra, count: 2 }] });
    const described = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: extra, configNames: ['retention.ms'] }],
      includeSynonyms: false,
    });
    expect(described.resources[0]!.configEntries.find((e) => e.configName === 'retention.ms')?.configValue).toBe(
      '3600000',
    );
    expect((await admin.fetchTopicMetadata({ topics: [extra] })).topics[0]!.partitions).toHaveLength(2);

    const producer = kafka.producer({
      transactionalId: `smoke-tx-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const tx = await producer.transaction();
    await tx.send({ topic: extra, messages: [{ key: 'a', value: '1', partition: 0 }] });
    await tx.commit();
    await producer.disconnect();

    const byTime = await admin.fetchTopicOffsetsByTimestamp(extra, Date.now() - 60_000);
    expect(byTime.find((p) => p.partition === 0)?.offset).toBe('0');
    // The record plus its commit marker; the marker is written after commit() returns, so wait for it.
    await expect
      .poll(async () => (await admin.fetchTopicOffsets(extra)).find((p) => p.partition === 0)?.high, {
        timeout: 10_000,
      })
      .toBe('2');

    const extraGroup = `smoke-admin-group-${randomUUID()}`;
    await admin.setOffsets({ groupId: extraGroup, topic: extra, partitions: [{ partition: 0, offset: '1' }] });
    const [offsets] = await admin.fetchOffsets({ groupId: extraGroup, topics: [extra] });
    expect(offsets!.partitions.find((p) => p.partition === 0)?.offset).toBe('1');
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain(extraGroup);
    await admin.deleteGroups([extraGroup]);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(extraGroup);
    await admin.deleteTopics({ topics: [extra] });
  });
});
