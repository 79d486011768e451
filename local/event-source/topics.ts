import type { Admin } from 'kafkajs';
import { TOPIC_NAMES, type SignalForgeConfig } from '../../core/config/index.js';
import { physicalTopic } from '../../core/events/index.js';

/** Creates the four topics (namespaced if asked) with config's partition counts; existing topics are left alone. */
export async function ensureIngestTopics(admin: Admin, config: SignalForgeConfig, namespace?: string): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const wanted = TOPIC_NAMES.map((t) => ({ topic: physicalTopic(t, namespace), numPartitions: config.kafka.topics[t].partitions, replicationFactor: config.kafka.topics[t].replicationFactor }));
  const missing = wanted.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  return wanted.map((t) => t.topic);
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

export async function waitForDrain(admin: Admin, groupId: string, topics: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lag = Infinity;
  while (Date.now() < deadline) {
    lag = await consumerLag(admin, groupId, topics);
    if (lag === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`consumer group ${groupId} still ${lag} records behind after ${timeoutMs} ms`);
}
