import { describe, expect, it } from 'vitest';
import { planTopicDeletion, planTopics, type TopicSpec } from '../../../lambdas/topics/topic-plan.js';
import {
  deleteManagedTopics,
  reconcileTopics,
  TopicShrinkError,
  type TopicAdmin,
} from '../../../lambdas/topics/topic-reconciler.js';
import { handleTopicsEvent, type TopicsResourceEvent } from '../../../lambdas/topics/topics-resource.js';
import { cfnResponseBody } from '../../../lambdas/topics/cfn-response.js';

const spec = (name: string, partitions: number): TopicSpec => ({
  name,
  partitions,
  replicationFactor: 1,
  retentionHours: 24,
});

/** In-memory broker with the admin calls reconciliation uses; it records every mutating call. */
function memoryAdmin(initial: Record<string, number> = {}) {
  const topics = new Map(Object.entries(initial));
  const calls: string[] = [];
  const admin: TopicAdmin = {
    listTopics: async () => [...topics.keys()],
    fetchTopicMetadata: async ({ topics: names } = { topics: [] }) => ({
      topics: (names ?? []).map((name) => ({
        name,
        partitions: Array.from({ length: topics.get(name)! }, (_, i) => ({
          partitionId: i,
          leader: 0,
          replicas: [0],
          isr: [0],
          partitionErrorCode: 0,
          offlineReplicas: [],
        })),
      })),
    }),
    createTopics: async ({ topics: list }) => {
      for (const t of list) {
        calls.push(`create:${t.topic}:${t.numPartitions}`);
        topics.set(t.topic, t.numPartitions ?? 1);
      }
      return true;
    },
    createPartitions: async ({ topicPartitions }) => {
      for (const p of topicPartitions) {
        calls.push(`grow:${p.topic}:${p.count}`);
        topics.set(p.topic, p.count);
      }
      return true;
    },
    deleteTopics: async ({ topics: names }) => {
      for (const n of names) {
        calls.push(`delete:${n}`);
        if (!topics.delete(n)) throw Object.assign(new Error('unknown topic'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
      }
    },
  };
  return { admin, topics, calls };
}

describe('planTopics', () => {
  it('creates missing topics, grows smaller ones, leaves equal ones alone', () => {
    const plan = planTopics(
      [spec('a', 6), spec('b', 4), spec('c', 2)],
      [
        { name: 'b', partitions: 2 },
        { name: 'c', partitions: 2 },
      ],
    );
    expect(plan.create.map((t) => t.name)).toEqual(['a']);
    expect(plan.grow).toEqual([{ name: 'b', from: 2, to: 4 }]);
    expect(plan.unchanged).toEqual(['c']);
    expect(plan.shrinkRequested).toEqual([]);
  });

  it('reports a request for fewer partitions instead of planning it', () => {
    const plan = planTopics([spec('a', 2)], [{ name: 'a', partitions: 6 }]);
    expect(plan.shrinkRequested).toEqual([{ name: 'a', from: 6, to: 2 }]);
    expect(plan.grow).toEqual([]);
  });

  it('keeps topics that were dropped from the declaration', () => {
    const plan = planTopics(
      [spec('a', 1)],
      [
        { name: 'a', partitions: 1 },
        { name: 'old', partitions: 3 },
      ],
      ['a', 'old'],
    );
    expect(plan.retained).toEqual(['old']);
  });

  it('deletion plans only managed topics that exist', () => {
    expect(planTopicDeletion(['a', 'b', 'a'], ['a', 'z'])).toEqual(['a']);
    expect(planTopicDeletion(['a'], [])).toEqual([]);
  });
});

describe('reconcileTopics', () => {
  it('is idempotent: a second run makes no calls', async () => {
    const broker = memoryAdmin();
    await reconcileTopics(broker.admin, [spec('a', 3), spec('b', 1)]);
    const first = [...broker.calls];
    await reconcileTopics(broker.admin, [spec('a', 3), spec('b', 1)]);
    expect(first).toEqual(['create:a:3', 'create:b:1']);
    expect(broker.calls).toEqual(first);
  });

  it('refuses to shrink and changes nothing', async () => {
    const broker = memoryAdmin({ a: 6 });
    await expect(reconcileTopics(broker.admin, [spec('a', 2), spec('new', 1)])).rejects.toBeInstanceOf(
      TopicShrinkError,
    );
    expect(broker.calls).toEqual([]);
  });

  it('delete twice: the second call deletes nothing and does not throw', async () => {
    const broker = memoryAdmin({ a: 1, other: 1 });
    expect(await deleteManagedTopics(broker.admin, ['a'])).toEqual(['a']);
    expect(await deleteManagedTopics(broker.admin, ['a'])).toEqual([]);
    expect([...broker.topics.keys()]).toEqual(['other']);
  });
});

describe('handleTopicsEvent', () => {
  const props = (topics: TopicSpec[], extra: Record<string, string> = {}) => ({
    ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:x',
    Brokers: 'localhost:9092',
    // CloudFormation stringifies every property value.
    Topics: topics.map((t) => ({
      name: t.name,
      partitions: String(t.partitions),
      replicationFactor: String(t.replicationFactor),
      retentionHours: String(t.retentionHours),
    })),
    ...extra,
  });

  it('an Update that adds partitions and drops a topic never deletes and keeps the physical id', async () => {
    const broker = memoryAdmin({ a: 2, b: 1 });
    const connect = async () => ({ admin: broker.admin, close: async () => undefined });
    const event: TopicsResourceEvent = {
      RequestType: 'Update',
      PhysicalResourceId: 'signalforge-topics:localhost:9092',
      OldResourceProperties: props([spec('a', 2), spec('b', 1)]),
      ResourceProperties: props([spec('a', 5)]),
    };
    const result = await handleTopicsEvent(event, { connect });
    expect(broker.calls).toEqual(['grow:a:5']);
    expect(broker.calls.some((c) => c.startsWith('delete'))).toBe(false);
    expect(result.physicalResourceId).toBe('signalforge-topics:localhost:9092');
    expect(result.data.Retained).toBe('b');
  });

  it('a Delete with DeleteTopicsOnRemoval=false touches nothing', async () => {
    const broker = memoryAdmin({ a: 2 });
    let connected = false;
    const connect = async () => {
      connected = true;
      return { admin: broker.admin, close: async () => undefined };
    };
    const result = await handleTopicsEvent(
      {
        RequestType: 'Delete',
        PhysicalResourceId: 'p',
        ResourceProperties: props([spec('a', 2)], { DeleteTopicsOnRemoval: 'false' }),
      },
      { connect },
    );
    expect(connected).toBe(false);
    expect(result.data.Retained).toBe('a');
    expect(broker.topics.get('a')).toBe(2);
  });

  it('a Create with invalid properties is rejected before touching the broker', async () => {
    const broker = memoryAdmin();
    const connect = async () => ({ admin: broker.admin, close: async () => undefined });
    await expect(
      handleTopicsEvent(
        { RequestType: 'Create', ResourceProperties: { Topics: [{ name: 'a', partitions: '0' }] } },
        { connect },
      ),
    ).rejects.toThrow();
    expect(broker.calls).toEqual([]);
  });

  it('the CloudFormation response echoes the request and caps the reason', () => {
    const body = JSON.parse(
      cfnResponseBody(
        { ResponseURL: 'x', StackId: 's', RequestId: 'r', LogicalResourceId: 'l' },
        { status: 'FAILED', physicalResourceId: 'p', reason: 'x'.repeat(5000) },
      ),
    );
    expect(body).toMatchObject({
      Status: 'FAILED',
      StackId: 's',
      RequestId: 'r',
      LogicalResourceId: 'l',
      PhysicalResourceId: 'p',
    });
    expect(body.Reason.length).toBeLessThan(2000);
  });
});
