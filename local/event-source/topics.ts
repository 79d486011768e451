import type { Admin } from 'kafkajs';
import { TOPIC_NAMES, type SignalForgeConfig } from '../../core/config/index.js';
import { physicalTopic } from '../../core/events/index.js';
import { reconcileTopics } from '../../lambdas/topics/topic-reconciler.js';

/**
 * The four topics (namespaced if asked) with config's partitions and retention, through the deployed custom
 * resource's reconciler (create missing, grow partitions, never delete), so tests and the bench get the topics a
 * deploy gets.
 */
export async function ensureIngestTopics(
  admin: Admin,
  config: SignalForgeConfig,
  namespace?: string,
): Promise<string[]> {
  const wanted = TOPIC_NAMES.map((t) => ({ name: physicalTopic(t, namespace), ...config.kafka.topics[t] }));
  await reconcileTopics(admin, wanted);
  return wanted.map((t) => t.name);
}

/** Records not yet committed by `groupId`, summed over the topics. */
export async function consumerLag(admin: Admin, groupId: string, topics: readonly string[]): Promise<number> {
  let lag = 0;
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  for (const topic of topics) {
    const high = await admin.fetchTopicOffsets(topic);
    const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
    for (const p of high) {
      const c = Number(mine.find((m) => m.partition === p.partition)?.offset ?? -1);
      lag += Number(p.high) - Math.max(0, c);
    }
  }
  return lag;
}

export async function waitForDrain(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lag = Infinity;
  while (Date.now() < deadline) {
    lag = await consumerLag(admin, groupId, topics);
    if (lag === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`consumer group ${groupId} still ${lag} records behind after ${timeoutMs} ms`);
}
