import { GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { awsClient } from '../aws/clients.js';
import { commaList, type SignalForgeConfig } from '../config/index.js';

const cache = new Map<string, Promise<string[]>>();

/**
 * An MSK cluster's bootstrap brokers (serverless or provisioned) for the client auth in use: SASL/IAM (private,
 * else public) with `iam`, else plaintext or TLS. Cached per container; a failed lookup is not cached.
 */
export function mskBootstrapBrokers(
  clusterArn: string,
  auth: SignalForgeConfig['kafka']['auth'],
  client: () => KafkaClient = () => awsClient(KafkaClient),
): Promise<string[]> {
  const key = `${auth}|${clusterArn}`;
  let brokers = cache.get(key);
  if (!brokers) {
    brokers = client()
      .send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }))
      .then((res) => {
        const list =
          auth === 'iam'
            ? (res.BootstrapBrokerStringSaslIam ?? res.BootstrapBrokerStringPublicSaslIam)
            : (res.BootstrapBrokerString ?? res.BootstrapBrokerStringTls);
        if (!list) throw new Error(`MSK cluster ${clusterArn} returned no bootstrap brokers for auth ${auth}`);
        return commaList(list);
      });
    cache.set(key, brokers);
    brokers.catch(() => cache.delete(key));
  }
  return brokers;
}
