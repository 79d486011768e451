import { createHash } from 'node:crypto';

/**
 * Event ids are a hash of the source and the event's natural key (e.g. symbol + timeframe + bar open time),
 * so replaying the same data, or a producer re-sending after a timeout, yields the same id and the sink can
 * drop the copy. 128 bits keeps collisions out of reach for any lake this platform will hold.
 */
export function eventIdFor(source: string, naturalKey: string): string {
  return createHash('sha256').update(source).update('\u0000').update(naturalKey).digest('hex').slice(0, 32);
}
