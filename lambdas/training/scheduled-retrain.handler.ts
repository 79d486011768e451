import { SFNClient } from '@aws-sdk/client-sfn';
import { awsClient } from '../../core/aws/clients.js';
import { requiredEnv } from '../../core/config/index.js';
import { createLogger, observed } from '../../core/observability/index.js';
import { startRetrain, type StartedRetrain } from './start-retrain.js';

const logger = createLogger(process.env.POWERTOOLS_SERVICE_NAME ?? 'signalforge-scheduled-retrain');

/**
 * EventBridge Scheduler's weekly retrain. It goes through startRetrain like drift, degradation and new data, so a
 * schedule that fires while a retrain runs for the same configs leaves that one alone instead of starting a second.
 * startRetrain validates the schedule's input.
 */
export const handler = observed({ logger }, async (event: unknown): Promise<StartedRetrain> => {
  const client = awsClient(SFNClient);
  const started = await startRetrain(event as Parameters<typeof startRetrain>[0], {
    client,
    stateMachineArn: requiredEnv('RETRAIN_STATE_MACHINE_ARN'),
  });
  logger.info(started.alreadyRunning ? 'a retrain for these configs is running; none started' : 'retrain started', {
    ...started,
  });
  return started;
});
