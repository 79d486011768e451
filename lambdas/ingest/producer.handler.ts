import { loadConfig } from '../../core/config/index.js';
import { createKafka } from '../../core/kafka/client.js';
import { resolveBootstrapBrokers } from './brokers.js';
import { connectEventProducer, type EventProducer } from './producer.js';
import { produceOnce, type ProduceOnceResult } from './produce-once.js';
import { adapterFor, SOURCE_KINDS, type SourceAdapter, type SourceKind } from './sources/index.js';
import { secretsManagerResolver } from './sources/secrets.js';
import { createLogger, observed } from '../../core/observability/index.js';

const logger = createLogger('ingest-producer', { source: process.env.SOURCE ?? 'unknown' });
// Kept across warm invocations: one Kafka connection and one secrets cache per container.
let state:
  | Promise<{
      adapter: SourceAdapter;
      producer: EventProducer;
      kind: SourceKind;
      config: ReturnType<typeof loadConfig>;
    }>
  | undefined;

async function init() {
  const kind = process.env.SOURCE as SourceKind;
  if (!SOURCE_KINDS.includes(kind))
    throw new Error(`SOURCE must be one of ${SOURCE_KINDS.join(', ')}; got ${process.env.SOURCE}`);
  const config = loadConfig();
  const brokers = await resolveBootstrapBrokers(config);
  const producer = await connectEventProducer(createKafka(config, { brokers }));
  return { adapter: adapterFor(kind, config, secretsManagerResolver()), producer, kind, config };
}

/** EventBridge Scheduler target: poll the SOURCE vendor once and publish to Kafka. */
export const handler = observed({ logger }, async (): Promise<ProduceOnceResult> => {
  state ??= init();
  state.catch(() => (state = undefined));
  const { adapter, producer, kind, config } = await state;
  const result = await produceOnce(kind, adapter, producer, config);
  logger.info('poll published', { ...result });
  return result;
});
