import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { awsClient } from '../../core/aws/clients.js';

export interface Notifier {
  publish(subject: string, message: string): Promise<void>;
}

/** SNS subjects are at most 100 printable ASCII characters. */
function snsSubject(subject: string): string {
  return subject.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

export class SnsNotifier implements Notifier {
  constructor(
    private readonly topicArn: string,
    private readonly client: SNSClient = awsClient(SNSClient),
  ) {}

  async publish(subject: string, message: string): Promise<void> {
    await this.client.send(
      new PublishCommand({ TopicArn: this.topicArn, Subject: snsSubject(subject), Message: message }),
    );
  }
}

/** Without an alert topic (a bare local run) notifications go to stderr rather than nowhere. */
export class ConsoleNotifier implements Notifier {
  async publish(subject: string, message: string): Promise<void> {
    process.stderr.write(`[retrain notification] ${subject}\n${message}\n`);
  }
}
