import { KafkaClient } from '@aws-sdk/client-kafka';
import { awsClient } from '../../core/aws/clients.js';
import type { SignalForgeConfig } from '../../core/config/index.js';
import { mskBootstrapBrokers } from '../../core/kafka/bootstrap-brokers.js';
import { brokersFromEnv } from '../../core/kafka/client.js';

/**
 * KAFKA_BROKERS if set, else the cluster's bootstrap brokers from MSK_CLUSTER_ARN (IAM or TLS list per config), cached
 * per container.
 */
export function resolveBootstrapBrokers(
  config: SignalForgeConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  if (env.KAFKA_BROKERS) return Promise.resolve(brokersFromEnv(env));
  const arn = env.MSK_CLUSTER_ARN;
  if (!arn) return Promise.reject(new Error('set KAFKA_BROKERS or MSK_CLUSTER_ARN'));
  return mskBootstrapBrokers(arn, config.kafka.auth, () => awsClient(KafkaClient, env));
}
