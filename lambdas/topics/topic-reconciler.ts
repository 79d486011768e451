import type { Admin } from 'kafkajs';
import { planTopicDeletion, planTopics, type ExistingTopic, type TopicPlan, type TopicSpec } from './topic-plan.js';

/** The slice of the kafkajs admin client that reconciliation uses, so tests can pass a real admin or a fake. */
export type TopicAdmin = Pick<
  Admin,
  'listTopics' | 'fetchTopicMetadata' | 'createTopics' | 'createPartitions' | 'deleteTopics'
>;

export class TopicShrinkError extends Error {
  constructor(readonly requested: TopicPlan['shrinkRequested']) {
    super(
      `Kafka cannot remove partitions: ${requested.map((s) => `${s.name} has ${s.from}, config asks for ${s.to}`).join('; ')}. ` +
        'Raise the partition count in config instead, or create a new topic.',
    );
    this.name = 'TopicShrinkError';
  }
}

const HOUR_MS = 3_600_000;

export async function describeTopics(admin: TopicAdmin, names: readonly string[]): Promise<ExistingTopic[]> {
  const all = new Set(await admin.listTopics());
  const present = names.filter((n) => all.has(n));
  if (present.length === 0) return [];
  const { topics } = await admin.fetchTopicMetadata({ topics: present });
  return topics.map((t) => ({ name: t.name, partitions: t.partitions.length }));
}

function isErrorType(err: unknown, type: string): boolean {
  return typeof err === 'object' && err !== null && (err as { type?: string }).type === type;
}

/**
 * Bring the broker to the declared topics: create missing ones, add partitions to grown ones.
 * Never deletes anything, so it is safe for both Create and Update and for repeats.
 */
export async function reconcileTopics(
  admin: TopicAdmin,
  desired: readonly TopicSpec[],
  previouslyManaged: readonly string[] = [],
): Promise<TopicPlan> {
  const names = [...new Set([...desired.map((t) => t.name), ...previouslyManaged])];
  const plan = planTopics(desired, await describeTopics(admin, names), previouslyManaged);
  if (plan.shrinkRequested.length > 0) throw new TopicShrinkError(plan.shrinkRequested);
  if (plan.create.length > 0) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: plan.create.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor,
          configEntries: [{ name: 'retention.ms', value: String(t.retentionHours * HOUR_MS) }],
        })),
      });
    } catch (err) {
      // A concurrent creator got there first; the re-plan below grows it if needed.
      if (!isErrorType(err, 'TOPIC_ALREADY_EXISTS')) throw err;
    }
  }
  if (plan.grow.length > 0) {
    await admin.createPartitions({ topicPartitions: plan.grow.map((g) => ({ topic: g.name, count: g.to })) });
  }
  return plan;
}

/** Delete the managed topics that still exist. Absent topics are skipped, so a retry succeeds. */
export async function deleteManagedTopics(admin: TopicAdmin, managed: readonly string[]): Promise<string[]> {
  const doomed = planTopicDeletion(managed, await admin.listTopics());
  if (doomed.length === 0) return [];
  try {
    await admin.deleteTopics({ topics: doomed, timeout: 30_000 });
  } catch (err) {
    if (!isErrorType(err, 'UNKNOWN_TOPIC_OR_PARTITION')) throw err;
  }
  return doomed;
}
