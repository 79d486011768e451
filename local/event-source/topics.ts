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

/**
 * Waits until the group has committed every record of the topics. Gives up only when the lag has not shrunk for
 * `stallMs`: a slow sink on a busy laptop (the 125,000 events of `--full`) keeps going as long as it progresses.
 */
export async function waitForDrain(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
  stallMs: number,
): Promise<void> {
  let lag = await consumerLag(admin, groupId, topics);
  let lastProgress = Date.now();
  while (lag > 0) {
    if (Date.now() - lastProgress > stallMs)
      throw new Error(`consumer group ${groupId} still ${lag} records behind, no progress in ${stallMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
    const now = await consumerLag(admin, groupId, topics);
    if (now < lag) lastProgress = Date.now();
    lag = now;
  }
}
