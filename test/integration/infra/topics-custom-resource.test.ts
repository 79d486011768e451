import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/index.js';
import { brokersFromEnv, createKafka } from '../../../core/kafka/client.js';
import { describeTopics, reconcileTopics, deleteManagedTopics } from '../../../lambdas/topics/topic-reconciler.js';

const config = loadConfig({ overrides: { kafka: { auth: 'plaintext' } } });
const suffix = randomUUID().slice(0, 8);
const topicName = (base: string) => `infra-${base}-${suffix}`;
const spec = (name: string, partitions: number) => ({ name, partitions, replicationFactor: 1, retentionHours: 24 });

let admin: Admin;

beforeAll(async () => {
  admin = createKafka(config).admin();
  await admin.connect();
});
afterAll(async () => {
  await admin?.disconnect();
});

/**
 * Partition leadership of a just-created topic, or of just-added partitions, can lag the admin call
 * by a moment on a loaded broker, and clients' metadata can be stale; retry with a metadata refresh.
 */
async function eventually<T>(work: () => Promise<T>, topic: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= 10) throw err;
      await new Promise((r) => setTimeout(r, 300 * attempt));
      await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
    }
  }
}

async function countRecords(topic: string): Promise<number> {
  const offsets = await eventually(() => admin.fetchTopicOffsets(topic), topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

describe('topic reconciliation on a real broker', () => {
  it('creates, grows without losing records, and deletes idempotently', async () => {
    const name = topicName('grow');
    const created = await reconcileTopics(admin, [spec(name, 2)]);
    expect(created.create.map((t) => t.name)).toEqual([name]);
    expect(await describeTopics(admin, [name])).toEqual([{ name, partitions: 2 }]);

    const producer = createKafka(config).producer();
    await producer.connect();
    await eventually(
      () =>
        producer.send({
          topic: name,
          messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
        }),
      name,
    );
    await producer.disconnect();
    expect(await countRecords(name)).toBe(20);

    const grown = await reconcileTopics(admin, [spec(name, 5)], [name]);
    expect(grown.grow).toEqual([{ name, from: 2, to: 5 }]);
    expect(await describeTopics(admin, [name])).toEqual([{ name, partitions: 5 }]);
    // The same records are still there: the topic was extended in place, not recreated.
    expect(await countRecords(name)).toBe(20);

    const again = await reconcileTopics(admin, [spec(name, 5)], [name]);
    expect(again.unchanged).toEqual([name]);

    expect(await deleteManagedTopics(admin, [name])).toEqual([name]);
    expect(await deleteManagedTopics(admin, [name])).toEqual([]);
    expect(await admin.listTopics()).not.toContain(name);
  });
});

describe('topics custom resource handler end to end', () => {
  const responses: Record<string, unknown>[] = [];
  let responseUrl = '';
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      responses.push(JSON.parse(body));
      res.writeHead(200).end();
    });
  });

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
    process.env.SIGNALFORGE_CONFIG_JSON = JSON.stringify({ kafka: { auth: 'plaintext' } });
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  const context = { getRemainingTimeInMillis: () => 120_000 } as Context;
  const props = (topics: { name: string; partitions: number }[], extra: Record<string, string> = {}) => ({
    ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:topics',
    Brokers: brokersFromEnv().join(','),
    Topics: topics.map((t) => ({
      name: t.name,
      partitions: String(t.partitions),
      replicationFactor: '1',
      retentionHours: '24',
    })),
    ...extra,
  });
  const base = (requestType: string) => ({
    RequestType: requestType,
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/s/1',
    RequestId: randomUUID(),
    LogicalResourceId: 'Topics',
    ResourceType: 'Custom::KafkaTopics',
    ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:topics',
  });

  it('Create, Update (add partitions, drop a topic) and Delete twice all answer SUCCESS; Update deletes nothing', async () => {
    const { handler } = await import('../../../lambdas/topics/topics.handler.js');
    const a = topicName('cr-a');
    const b = topicName('cr-b');

    await handler(
      {
        ...base('Create'),
        ResourceProperties: props([
          { name: a, partitions: 1 },
          { name: b, partitions: 1 },
        ]),
      } as CloudFormationCustomResourceEvent,
      context,
    );
    const created = responses.at(-1)!;
    expect(created).toMatchObject({ Status: 'SUCCESS' });
    const physicalId = created.PhysicalResourceId as string;

    await handler(
      {
        ...base('Update'),
        PhysicalResourceId: physicalId,
        OldResourceProperties: props([
          { name: a, partitions: 1 },
          { name: b, partitions: 1 },
        ]),
        ResourceProperties: props([{ name: a, partitions: 3 }]),
      } as CloudFormationCustomResourceEvent,
      context,
    );
    expect(responses.at(-1)).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: physicalId,
      Data: { Grown: a, Retained: b },
    });
    expect(await describeTopics(admin, [a, b])).toEqual(
      expect.arrayContaining([
        { name: a, partitions: 3 },
        { name: b, partitions: 1 },
      ]),
    );

    for (let i = 0; i < 2; i++) {
      await handler(
        {
          ...base('Delete'),
          PhysicalResourceId: physicalId,
          ResourceProperties: props([{ name: a, partitions: 3 }]),
        } as CloudFormationCustomResourceEvent,
        context,
      );
      expect(responses.at(-1)).toMatchObject({ Status: 'SUCCESS', Data: { Deleted: i === 0 ? a : '' } });
    }
    expect(await admin.listTopics()).not.toContain(a);
    // b was dropped from the declaration earlier and is not this resource's to delete any more.
    expect(await admin.listTopics()).toContain(b);
    await deleteManagedTopics(admin, [b]);
  });

  it('an Update asking for fewer partitions answers FAILED with the reason and leaves the topic intact', async () => {
    const { handler } = await import('../../../lambdas/topics/topics.handler.js');
    const a = topicName('cr-shrink');
    await reconcileTopics(admin, [spec(a, 3)]);
    await handler(
      {
        ...base('Update'),
        PhysicalResourceId: 'p',
        OldResourceProperties: props([{ name: a, partitions: 3 }]),
        ResourceProperties: props([{ name: a, partitions: 1 }]),
      } as CloudFormationCustomResourceEvent,
      context,
    );
    expect(responses.at(-1)).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'p' });
    expect(String(responses.at(-1)!.Reason)).toMatch(/cannot remove partitions/);
    expect(await describeTopics(admin, [a])).toEqual([{ name: a, partitions: 3 }]);
    await deleteManagedTopics(admin, [a]);
  });
});
