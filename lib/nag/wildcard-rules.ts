import type { WildcardRule } from './wildcard-acknowledgements.js';

/**
 * Wildcards that CDK's own grant methods and AWS service requirements put into policies, each with
 * the reason it is acceptable. SignalForge's grants (lib/data/data-grants.ts, KafkaCluster.grant*)
 * use exact actions; anything not listed here fails synth through cdk-nag.
 */
export const WILDCARD_RULES: readonly WildcardRule[] = [
  {
    pattern: /^Action::kms:(GenerateDataKey|ReEncrypt)\*$/,
    reason:
      'Emitted by CDK key grants (Queue.grantSendMessages, Topic.grantPublish, Key.grantEncryptDecrypt for the state machine); the action family is what envelope encryption needs, and the resource is the single SignalForge data key ARN.',
  },
  {
    pattern: /^Resource::\*$/,
    reason:
      'Only actions without resource-level permissions get Resource "*": X-Ray trace and sampling calls, the Lambda VPC ENI actions, the Describe calls of the MSK event source mapping (network interfaces, VPCs, subnets, security groups), ec2:DescribeInstances, ec2:DescribeSpotPriceHistory, kafka:GetBootstrapBrokers, ecr:GetAuthorizationToken, CloudWatch metric reads/writes (PutMetricData limited by namespace condition) and Step Functions log delivery; test/static/infra/app-synth.test.ts enforces this list.',
  },
  {
    pattern: /^Resource::<[A-Za-z0-9]+\.Arn>:\*$/,
    reason:
      'EventBridge Scheduler / Step Functions invoke a Lambda by version or alias qualifier; CDK grants lambda:InvokeFunction on <function ARN>:* of that one function only.',
  },
  {
    pattern:
      /^Resource::arn:<AWS::Partition>:ec2:[^:]+:(<AWS::AccountId>)?:(instance|volume|network-interface|spot-instances-request|image)\/\*$/,
    reason:
      'The retrain launcher calls RunInstances, which creates instances, volumes, network interfaces and spot requests whose ids do not exist before the call (and reads public AMIs); the statement requires the SignalForge trainer launch template (ec2:LaunchTemplate condition), subnets and security group are pinned, tags are only allowed at launch and TerminateInstances requires the signalforge:env tag.',
  },
];
