import { GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { awsClient } from '../../core/aws/clients.js';

const cache = new Map<string, string[]>();

/** IAM bootstrap brokers of an MSK cluster (serverless or provisioned), cached per container. */
export async function iamBootstrapBrokers(clusterArn: string, client = awsClient(KafkaClient)): Promise<string[]> {
  const hit = cache.get(clusterArn);
  if (hit) return hit;
  const out = await client.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
  const raw = out.BootstrapBrokerStringSaslIam ?? out.BootstrapBrokerStringPublicSaslIam;
  if (!raw)
    throw new Error(`cluster ${clusterArn} has no IAM bootstrap brokers; is IAM client authentication enabled?`);
  const brokers = raw
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  cache.set(clusterArn, brokers);
  return brokers;
}
