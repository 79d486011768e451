import type { KafkaMessage } from 'kafkajs';
import type { MSKEvent } from '@aws-lambda-powertools/kafka/types';

/** One record exactly as Lambda's Kafka event source mapping delivers it. */
export interface MskRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key: string | null;
  value: string | null;
  headers: { [headerKey: string]: number[] }[];
}

export function toMskRecord(topic: string, partition: number, message: KafkaMessage): MskRecord {
  const headers = Object.entries(message.headers ?? {}).flatMap(([name, value]) => {
    if (value === undefined) return [];
    const values = Array.isArray(value) ? value : [value];
    return values.map((v) => ({ [name]: [...Buffer.from(v)] }));
  });
  return {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    timestampType: 'CREATE_TIME',
    key: message.key === null ? null : message.key.toString('base64'),
    value: message.value === null ? null : message.value.toString('base64'),
    headers,
  };
}

export interface MskEventSource {
  eventSourceArn: string;
  bootstrapServers: string;
}

/** Records grouped under `<topic>-<partition>`, as in the MSK event Lambda receives. */
export function toMskEvent(source: MskEventSource, records: readonly MskRecord[]): MSKEvent {
  const grouped: Record<string, MskRecord[]> = {};
  for (const r of records) {
    const key = `${r.topic}-${r.partition}`;
    const list = grouped[key] ?? [];
    list.push(r);
    grouped[key] = list;
  }
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: source.eventSourceArn,
    bootstrapServers: source.bootstrapServers,
    records: grouped as unknown as MSKEvent['records'],
  };
}
