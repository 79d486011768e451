import type { TopicName } from '../../core/config/index.js';
import { physicalTopic, topicForEvent } from '../../core/events/index.js';
import type { EventProducer, OutgoingMessage } from '../../lambdas/ingest/producer.js';
import { eventMessage } from '../../lambdas/ingest/producer.js';
import { replayEvents, type PoisonRecord, type ReplayOptions } from './replay.js';

export interface ReplayReport {
  events: number;
  byTopic: Partial<Record<TopicName, number>>;
  /** Malformed records sent (the sink dead-letters them). */
  poison: number;
  poisonByReason: Partial<Record<PoisonRecord['expectedReason'], number>>;
  /** Well-formed, implausible records sent (the sink quarantines them), by plausibility rule. */
  implausible: number;
  implausibleByRule: Partial<Record<PoisonRecord['expectedReason'], number>>;
  durationMs: number;
  eventsPerSecond: number;
}

/**
 * Streams the replay into Kafka in chunks, stamping each chunk's ingest time as it is sent. Poison
 * records are sent as raw bytes on the topic they poison, and counted.
 */
export async function produceReplay(
  producer: EventProducer,
  options: ReplayOptions & { chunkSize?: number; onProgress?: (sent: number) => void; namespace?: string },
): Promise<ReplayReport> {
  const chunkSize = options.chunkSize ?? 5_000;
  const report: ReplayReport = {
    events: 0,
    byTopic: {},
    poison: 0,
    poisonByReason: {},
    implausible: 0,
    implausibleByRule: {},
    durationMs: 0,
    eventsPerSecond: 0,
  };
  const started = Date.now();
  let chunk: OutgoingMessage[] = [];
  let stamp = new Date().toISOString();
  const flush = async () => {
    if (chunk.length === 0) return;
    await producer.send(chunk);
    chunk = [];
    stamp = new Date().toISOString();
    options.onProgress?.(report.events + report.poison);
  };
  for (const item of replayEvents(options)) {
    if (item.kind === 'event') {
      const message = eventMessage({ ...item.event, ingestTime: stamp }, options.namespace);
      chunk.push(message);
      report.events += 1;
      const topic = topicForEvent(item.event);
      report.byTopic[topic] = (report.byTopic[topic] ?? 0) + 1;
    } else {
      const p = item.poison;
      chunk.push({ topic: physicalTopic(p.topic, options.namespace), key: p.key, value: p.value });
      if (p.expectedOutcome === 'quarantine') {
        report.implausible += 1;
        report.implausibleByRule[p.expectedReason] = (report.implausibleByRule[p.expectedReason] ?? 0) + 1;
      } else {
        report.poison += 1;
        report.poisonByReason[p.expectedReason] = (report.poisonByReason[p.expectedReason] ?? 0) + 1;
      }
    }
    if (chunk.length >= chunkSize) await flush();
  }
  await flush();
  report.durationMs = Date.now() - started;
  report.eventsPerSecond = Math.round((report.events / Math.max(1, report.durationMs)) * 1000);
  return report;
}

/** The event ids a replay with these options emits (ids are deterministic), for exactly-once checks. */
export function replayEventIds(options: ReplayOptions): Set<string> {
  const ids = new Set<string>();
  for (const item of replayEvents(options)) if (item.kind === 'event') ids.add(item.event.eventId);
  return ids;
}
