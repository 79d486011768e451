import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { awsClient } from '../../core/aws/clients.js';
import { loadConfig, requiredEnv } from '../../core/config/index.js';
import { createLogger, observed } from '../../core/observability/index.js';
import { sweepTrainers, type SweepDeps } from './sweeper.js';

/** Step Functions' view of an execution; undefined when it does not exist (deleted state machine, another account). */
export function sfnExecutionStatus(client: SFNClient): SweepDeps['executionStatus'] {
  return async (executionArn) => {
    try {
      return (await client.send(new DescribeExecutionCommand({ executionArn }))).status;
    } catch (err) {
      if ((err as Error).name === 'ExecutionDoesNotExist') return undefined;
      throw err;
    }
  };
}

let deps: SweepDeps | undefined;
const logger = createLogger('signalforge-trainer-sweeper');

/** Scheduled sweeper (EventBridge): terminates trainer instances whose run is over. Needs ARTIFACT_BUCKET. */
export const handler = observed({ logger }, async (): Promise<unknown> => {
  if (!deps) {
    deps = {
      config: loadConfig({ env: process.env }),
      ec2: awsClient(EC2Client),
      s3: awsClient(S3Client),
      artifactBucket: requiredEnv('ARTIFACT_BUCKET'),
      executionStatus: sfnExecutionStatus(awsClient(SFNClient)),
      now: () => new Date(),
    };
  }
  const result = await sweepTrainers(deps);
  logger.info('trainer sweep', {
    examined: result.examined.length,
    terminated: result.terminated,
    errors: result.errors,
  });
  return result;
});
