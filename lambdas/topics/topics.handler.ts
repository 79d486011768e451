import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { commaList, loadConfig } from '../../core/config/index.js';
import { mskBootstrapBrokers } from '../../core/kafka/bootstrap-brokers.js';
import { createKafka } from '../../core/kafka/client.js';
import { createLogger, observed } from '../../core/observability/index.js';
import { sendCfnResponse } from './cfn-response.js';
import {
  handleTopicsEvent,
  physicalIdFor,
  topicsResourcePropertiesSchema,
  type TopicsResourceEvent,
  type TopicsResourceProperties,
} from './topics-resource.js';

const config = loadConfig();

const logger = createLogger('signalforge-topics');
const log = (message: string, detail: Record<string, unknown> = {}): void => logger.info(message, detail);

async function connect(props: TopicsResourceProperties) {
  const brokers = props.Brokers ? commaList(props.Brokers) : await mskBootstrapBrokers(props.ClusterArn!, 'iam');
  const admin = createKafka(config, { brokers, clientId: `${config.kafka.clientId}-topics` }).admin();
  await admin.connect();
  return { admin, close: () => admin.disconnect() };
}

function fallbackPhysicalId(event: CloudFormationCustomResourceEvent): string {
  if (event.RequestType !== 'Create') return event.PhysicalResourceId;
  const parsed = topicsResourcePropertiesSchema.safeParse(event.ResourceProperties);
  return parsed.success ? physicalIdFor(parsed.data) : `signalforge-topics:invalid:${event.RequestId}`;
}

/**
 * CloudFormation custom resource for Kafka topics. It always answers CloudFormation, also on failure
 * and shortly before the Lambda timeout, so a broken broker never leaves a stack waiting for an hour.
 */
export const handler = observed(
  { logger },
  async (event: CloudFormationCustomResourceEvent, context?: Context): Promise<void> => {
    log('topics request', { requestType: event.RequestType, logicalResourceId: event.LogicalResourceId });
    const ms = Math.max(1000, (context?.getRemainingTimeInMillis() ?? 60_000) - 10_000);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`topic reconciliation did not finish within ${Math.round(ms / 1000)} s`)),
        ms,
      );
    });
    try {
      const result = await Promise.race([handleTopicsEvent(event as TopicsResourceEvent, { connect, log }), deadline]);
      await sendCfnResponse(event, {
        status: 'SUCCESS',
        physicalResourceId: result.physicalResourceId,
        data: result.data,
      });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      logger.error('topics request failed', { reason });
      await sendCfnResponse(event, { status: 'FAILED', physicalResourceId: fallbackPhysicalId(event), reason });
    } finally {
      // A pending deadline would reject after we answered and surface as an unhandled rejection.
      clearTimeout(timer);
    }
  },
);
