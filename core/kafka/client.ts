import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { commaList, type SignalForgeConfig } from '../config/index.js';

export interface KafkaClientOptions {
  /** Overrides KAFKA_BROKERS; comma-separated host:port list in the environment. */
  brokers?: string[];
  clientId?: string;
  env?: NodeJS.ProcessEnv;
  /** Merged over the default retry policy, e.g. to ride out a broker restart (connects are retried with it). */
  retry?: KafkaConfig['retry'];
}

export function brokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const brokers = commaList(env.KAFKA_BROKERS);
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set: expected a comma-separated host:port list');
  return brokers;
}

/**
 * One kafkajs client for every part: plaintext for the local broker, SASL/OAUTHBEARER with MSK IAM
 * tokens in AWS. kafkajs calls the provider on every (re)authentication, so expiring tokens are
 * replaced without restarting long-lived producers.
 */
export function createKafka(config: SignalForgeConfig, options: KafkaClientOptions = {}): Kafka {
  const env = options.env ?? process.env;
  const brokers = options.brokers ?? brokersFromEnv(env);
  const base: KafkaConfig = {
    clientId: options.clientId ?? config.kafka.clientId,
    brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 8, ...options.retry },
  };
  if (config.kafka.auth === 'plaintext') return new Kafka(base);
  const region = env.AWS_REGION ?? config.region;
  return new Kafka({
    ...base,
    ssl: true,
    sasl: {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => {
        const { token } = await generateAuthToken({ region });
        return { value: token };
      },
    },
  });
}
