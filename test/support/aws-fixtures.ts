import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateLaunchTemplateCommand,
  DescribeImagesCommand,
  DescribeSubnetsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { awsClientConfig } from '../../core/aws/clients.js';
import { registryTableDefinition } from '../../core/registry/index.js';

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function createRegistryTable(prefix = 'registry'): Promise<string> {
  const name = uniqueName(prefix);
  await new DynamoDBClient(awsClientConfig()).send(new CreateTableCommand(registryTableDefinition(name)));
  return name;
}

export async function createBucket(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await new S3Client(awsClientConfig()).send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

/** An SNS topic with an SQS queue subscribed, so a test can read what was published. */
export async function createAlertTopic(): Promise<{
  topicArn: string;
  read: () => Promise<{ subject?: string; message: string }[]>;
}> {
  const sns = new SNSClient(awsClientConfig());
  const sqs = new SQSClient(awsClientConfig());
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('alerts') }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('alerts-q') }));
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: attrs.Attributes!.QueueArn! }));
  const seen: { subject?: string; message: string }[] = [];
  return {
    topicArn: TopicArn!,
    read: async () => {
      for (;;) {
        const res = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (!res.Messages?.length) break;
        for (const m of res.Messages) {
          const envelope = JSON.parse(m.Body!) as { Subject?: string; Message: string };
          seen.push({ subject: envelope.Subject, message: envelope.Message });
        }
      }
      return seen;
    },
  };
}

/** A trainer launch template in moto (on any image moto serves) and the first `subnets` subnets to launch into. */
export async function createTrainerLaunchTemplate(
  options: { subnets?: number; terminateOnShutdown?: boolean } = {},
): Promise<{ launchTemplateId: string; subnetIds: string[]; vpcId: string }> {
  const ec2 = new EC2Client(awsClientConfig());
  const images = await ec2.send(new DescribeImagesCommand({}));
  const template = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: uniqueName('trainer'),
      LaunchTemplateData: {
        ImageId: images.Images![0]!.ImageId!,
        ...(options.terminateOnShutdown ? { InstanceInitiatedShutdownBehavior: 'terminate' as const } : {}),
      },
    }),
  );
  const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!.slice(0, options.subnets ?? 1);
  return {
    launchTemplateId: template.LaunchTemplate!.LaunchTemplateId!,
    subnetIds: subnets.map((s) => s.SubnetId!),
    vpcId: subnets[0]!.VpcId!,
  };
}

/**
 * A state machine in moto standing in for the retrain machine: with `waitSeconds`, its executions stay RUNNING that
 * long; without, they pass at once.
 */
export async function createStandInStateMachine(options: { waitSeconds?: number } = {}): Promise<string> {
  const definition =
    options.waitSeconds === undefined
      ? { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }
      : { StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: options.waitSeconds, End: true } } };
  const created = await new SFNClient(awsClientConfig()).send(
    new CreateStateMachineCommand({
      name: uniqueName('retrain'),
      roleArn: 'arn:aws:iam::123456789012:role/retrain',
      definition: JSON.stringify(definition),
    }),
  );
  return created.stateMachineArn!;
}
