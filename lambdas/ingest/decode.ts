import type { ConsumerRecord } from '@aws-lambda-powertools/kafka/types';
import { EVENT_TYPE_BY_TOPIC, eventSchema, logicalTopic, type SignalEvent } from '../../core/events/index.js';

export const DEAD_LETTER_REASONS = [
  'oversized',
  'bad-base64',
  'empty-value',
  'invalid-json',
  'schema-violation',
  'wrong-topic',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export type DecodeResult = { ok: true; event: SignalEvent } | { ok: false; reason: DeadLetterReason; detail: string };

/** Base64 length to decoded byte length, without decoding (padding ignored: a bound is all we need). */
export function decodedLength(base64: string): number {
  return Math.floor((base64.length * 3) / 4);
}

/**
 * One Kafka record to a validated event, or the reason it is poison. Base64 and UTF-8 decoding is
 * Powertools' (`record.value` is its lazy deserialiser, which rejects malformed base64); JSON parsing and
 * zod validation are ours so every failure gets a precise dead-letter reason instead of one generic error.
 */
export function decodeRecord(record: ConsumerRecord<unknown, unknown>, maxRecordBytes: number): DecodeResult {
  const raw = record.originalValue;
  if (raw === null || raw === undefined || raw === '')
    return { ok: false, reason: 'empty-value', detail: 'record has no value' };
  if (decodedLength(raw) > maxRecordBytes) {
    return { ok: false, reason: 'oversized', detail: `value is ~${decodedLength(raw)} bytes, limit ${maxRecordBytes}` };
  }
  let text: unknown;
  try {
    text = record.value;
  } catch (err) {
    return { ok: false, reason: 'bad-base64', detail: (err as Error).message };
  }
  if (typeof text !== 'string') return { ok: false, reason: 'bad-base64', detail: 'value did not decode to text' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: 'invalid-json', detail: (err as Error).message };
  }
  const parsed = eventSchema.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .slice(0, 10)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    return { ok: false, reason: 'schema-violation', detail };
  }
  const topic = logicalTopic(record.topic);
  const expected = topic ? EVENT_TYPE_BY_TOPIC[topic] : undefined;
  if (expected && parsed.data.type !== expected) {
    return {
      ok: false,
      reason: 'wrong-topic',
      detail: `${parsed.data.type} event on topic ${record.topic} (expects ${expected})`,
    };
  }
  return { ok: true, event: parsed.data };
}
