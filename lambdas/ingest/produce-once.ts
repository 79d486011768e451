import type { SignalForgeConfig } from '../../core/config/index.js';
import type { EventProducer } from './producer.js';
import { lookbackMinutes, type SourceAdapter, type SourceKind } from './sources/index.js';

export interface ProduceOnceResult {
  source: string;
  events: number;
  since: string;
  now: string;
}

/**
 * One scheduled poll: fetch the lookback window for the whole universe and send it. Windows overlap
 * between polls on purpose (late vendor data); the overlap re-sends events with the same ids, which the
 * sink drops within a batch and lake readers drop across batches.
 */
export async function produceOnce(
  kind: SourceKind,
  adapter: SourceAdapter,
  producer: EventProducer,
  config: SignalForgeConfig,
  now = new Date(),
): Promise<ProduceOnceResult> {
  const since = new Date(now.getTime() - lookbackMinutes(kind, config) * 60_000);
  const events = await adapter.fetch({ symbols: config.universe.symbols, since, now });
  if (events.length > 0) await producer.sendEvents(events, now);
  return { source: adapter.name, events: events.length, since: since.toISOString(), now: now.toISOString() };
}
