import type { TestProject } from 'vitest/node';
import { startLocalServices } from '../../local/services/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * The variables the global setup exported for the local services. Test workers already inherit
     * them through process.env (forks pool); `inject('signalforgeServicesEnv')` is there for tests that
     * run with another pool or want them explicitly.
     */
    signalforgeServicesEnv: Record<string, string>;
  }
}

/**
 * vitest globalSetup for the `integration` project: one Kafka broker and one moto server per run
 * (or the external ones named by KAFKA_BROKERS / AWS_ENDPOINT_URL), exported through process.env
 * before any test worker starts, and stopped when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const services = await startLocalServices();
  // Workers are forked after global setup, so they inherit these. kafkajs's partitioner notice is
  // noise in every test that makes a producer.
  Object.assign(process.env, services.env, { KAFKAJS_NO_PARTITIONER_WARNING: '1' });
  project.provide('signalforgeServicesEnv', services.env);
  const what = [
    services.external.kafka
      ? `external Kafka ${services.kafkaBrokers.join(',')}`
      : `Kafka ${services.versions.kafka} at ${services.kafkaBrokers.join(',')}`,
    services.external.aws ? `external AWS endpoint ${services.awsEndpointUrl}` : `moto at ${services.awsEndpointUrl}`,
  ];
  process.stderr.write(
    `signalforge services: ${what.join(', ')} (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
  return async () => {
    await services.stop();
  };
}
