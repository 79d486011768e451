import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { TopicName } from '../../core/config/index.js';
import { physicalTopic, topicForEvent, type SignalEvent } from '../../core/events/index.js';

export interface OutgoingMessage {
  topic: TopicName | string;
  key: string;
  value: Buffer | string;
  headers?: Record<string, string>;
}

/** The wire form of an event: JSON value, the symbol as key (so a symbol's events stay in order on one partition). */
export function eventMessage(event: SignalEvent, namespace?: string): OutgoingMessage {
  return {
    topic: physicalTopic(topicForEvent(event), namespace),
    key: event.symbol,
    value: JSON.stringify(event),
    headers: { 'event-type': event.type },
  };
}

export interface EventProducer {
  /** Resolves once every message is acknowledged by all in-sync replicas; per-partition order is kept. */
  send(messages: readonly OutgoingMessage[]): Promise<void>;
  sendEvents(events: readonly SignalEvent[], ingestTime?: Date, namespace?: string): Promise<void>;
  disconnect(): Promise<void>;
}

export interface EventProducerOptions {
  retryMaxMs?: number;
  /** Cap on one request's payload; Kafka rejects a partition batch over message.max.bytes (1 MiB default, MSK too). */
  maxRequestBytes?: number;
  /**
   * Independent idempotent producers, each owning the partitions p with p % lanes == lane, so several
   * produce requests are in flight at once while each partition still has a single, ordered writer.
   */
  lanes?: number;
}

/**
 * One idempotent producer that sends its requests strictly one after another. Sends that arrive while a
 * request is in flight wait together and go out as one request (in arrival order) once it is acknowledged,
 * as the Java producer's accumulator batches behind its in-flight request: under load the request rate
 * follows the broker's round trip instead of the callers' send rate, and nothing waits on a linger timer.
 */
class Lane {
  private waiting: { messages: readonly OutgoingMessage[]; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private pumping: Promise<void> | undefined;
  constructor(
    readonly producer: Producer,
    private readonly maxRequestBytes: number,
  ) {}

  send(messages: readonly OutgoingMessage[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ messages, resolve, reject });
      this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
    });
  }

  async drain(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private async pump(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0);
      try {
        await this.sendNow(group.length === 1 ? group[0]!.messages : group.flatMap((g) => g.messages));
        for (const g of group) g.resolve();
      } catch (err) {
        for (const g of group) g.reject(err);
      }
    }
  }

  // kafkajs does not split requests, so cut them by payload size.
  private async sendNow(messages: readonly OutgoingMessage[]): Promise<void> {
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      const size = m.value.length + m.key.length + 64;
      if (i > start && bytes + size > this.maxRequestBytes) {
        await this.request(messages.slice(start, i));
        start = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (start < messages.length) await this.request(messages.slice(start));
  }

  private async request(messages: readonly (OutgoingMessage & { partition?: number })[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const m of messages) {
      let list = byTopic.get(m.topic);
      if (!list) {
        list = [];
        byTopic.set(m.topic, list);
      }
      list.push({ key: m.key, value: m.value, headers: m.headers, partition: m.partition });
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
    });
  }
}

/**
 * kafkajs idempotent producer(s): acks=all, one in-flight request per producer, unlimited retries. kafkajs
 * keeps a partition's sequence number until the broker acknowledges, so its retries across a broker
 * restart re-send with the same sequence and the broker discards the copies. Requests of one producer
 * are serialised because concurrent sends on one idempotent producer can interleave sequence numbers.
 */
export async function connectEventProducer(kafka: Kafka, options: EventProducerOptions = {}): Promise<EventProducer> {
  const laneCount = Math.max(1, options.lanes ?? 1);
  const maxRequestBytes = options.maxRequestBytes ?? 900 * 1024;
  const lanes: Lane[] = [];
  for (let i = 0; i < laneCount; i++) {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: options.retryMaxMs ?? 2_000 },
    });
    await producer.connect();
    lanes.push(new Lane(producer, maxRequestBytes));
  }

  // With several lanes we choose partitions ourselves, with kafkajs' Java-compatible murmur2 partitioner,
  // so a key lands on the same partition as with one lane (and as with the Java client).
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionCounts = new Map<string, Promise<number>>();
  const admin = laneCount > 1 ? kafka.admin() : undefined;
  if (admin) await admin.connect();
  const partitionsOf = (topic: string) => {
    let count = partitionCounts.get(topic);
    if (!count) {
      count = admin!.fetchTopicMetadata({ topics: [topic] }).then((m) => m.topics[0]!.partitions.length);
      partitionCounts.set(topic, count);
    }
    return count;
  };

  const api: EventProducer = {
    async send(messages) {
      if (laneCount === 1) return lanes[0]!.send(messages);
      const perLane: (OutgoingMessage & { partition: number })[][] = lanes.map(() => []);
      const counts = new Map<string, number>();
      for (const topic of new Set(messages.map((m) => m.topic))) counts.set(topic, await partitionsOf(topic));
      const metadata = new Map(
        [...counts].map(([t, n]) => [t, Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0 }))]),
      );
      for (const m of messages) {
        const partition = partitioner({
          topic: m.topic,
          partitionMetadata: metadata.get(m.topic) as never,
          message: { key: m.key, value: m.value },
        });
        perLane[partition % laneCount]!.push({ ...m, partition });
      }
      await Promise.all(perLane.map((batch, i) => (batch.length > 0 ? lanes[i]!.send(batch) : undefined)));
    },
    sendEvents(events, ingestTime = new Date(), namespace) {
      const stamp = ingestTime.toISOString();
      return api.send(events.map((e) => eventMessage({ ...e, ingestTime: stamp }, namespace)));
    },
    async disconnect() {
      await Promise.all(lanes.map((l) => l.drain()));
      await Promise.all(lanes.map((l) => l.producer.disconnect()));
      await admin?.disconnect();
    },
  };
  return api;
}
