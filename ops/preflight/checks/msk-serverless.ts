import { ListClustersV2Command } from '@aws-sdk/client-kafka';
import type { PreflightCheck } from '../types.js';

/** The check's row in the report. */
export const MSK_SERVERLESS = { id: 'msk-serverless', title: 'MSK Serverless in region' } as const;
const { id, title } = MSK_SERVERLESS;

/**
 * Regions the MSK developer guide ("What is MSK Serverless?") lists. ListClustersV2 answers in every
 * MSK region whether or not Serverless is offered there, so the API alone cannot tell; the list can
 * lag AWS, which is why a region missing from it is a warning, not a failure.
 */
export const MSK_SERVERLESS_REGIONS: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'ca-central-1',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'eu-central-1',
  'eu-north-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
];

/** The MSK API answers in the region (an endpoint or region error fails), and the region offers Serverless. */
export const checkMskServerless: PreflightCheck = async (clients, config) => {
  if (config.kafka.cluster !== 'serverless')
    return { id, title, status: 'skip', detail: `kafka.cluster is ${config.kafka.cluster}` };
  let clusters: number;
  try {
    const res = await clients.kafka.send(
      new ListClustersV2Command({ ClusterTypeFilter: 'SERVERLESS', MaxResults: 10 }),
    );
    clusters = res.ClusterInfoList?.length ?? 0;
  } catch (err) {
    const e = err as Error & { code?: string };
    return {
      id,
      title,
      status: 'fail',
      detail: `kafka:ListClustersV2 failed in ${clients.region}: ${e.name}${e.code && e.code !== e.name ? ` ${e.code}` : ''}: ${e.message}`,
      fix: `use a region with MSK Serverless (${MSK_SERVERLESS_REGIONS.join(', ')}), or set kafka.cluster to "provisioned"; if the error is AccessDenied, allow kafka:ListClustersV2 for preflight`,
    };
  }
  const seen = `MSK API answers in ${clients.region} (${clusters} serverless cluster(s) listed)`;
  if (!MSK_SERVERLESS_REGIONS.includes(clients.region)) {
    return {
      id,
      title,
      status: 'warn',
      detail: `${seen}, but ${clients.region} is not in the documented MSK Serverless regions`,
      fix: 'check the MSK console (Create cluster > Serverless) in this region; if it is not offered, set kafka.cluster to "provisioned" or deploy to a listed region',
    };
  }
  return { id, title, status: 'pass', detail: `${seen}; Serverless is documented for this region` };
};
