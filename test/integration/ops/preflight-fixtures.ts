import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomInt } from 'node:crypto';
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { HttpRequest } from '@smithy/types';
import { SPOT_QUOTA_CODES, SPOT_QUOTA_GROUPS, type SpotQuotaGroup } from '../../../core/config/index.js';
import { DEFAULT_GPU_AMI_PARAMETER } from '../../../lib/training/spot-trainer.js';
import { CDK_TOOLKIT_STACK_NAME } from '../../../ops/preflight/bootstrap-requirement.js';
import { createPreflightClients } from '../../../ops/preflight/clients.js';
import { SPOT_SERVICE_LINKED_ROLE_NAME } from '../../../ops/preflight/checks/spot-service-linked-role.js';
import type { PreflightClients } from '../../../ops/preflight/types.js';

interface MiddlewareClient {
  middlewareStack: { add: (mw: unknown, options: { step: 'initialize' | 'build'; name: string }) => void };
}

function sdkClients(clients: PreflightClients): MiddlewareClient[] {
  return Object.values(clients).filter(
    (c): c is MiddlewareClient => typeof c === 'object' && c !== null && 'middlewareStack' in c,
  );
}

/**
 * Preflight clients against moto for a brand-new account: moto keeps separate state per account id
 * (the x-moto-account-id header), so each scenario starts from an empty account, and IAM roles or the
 * CDKToolkit stack of one test never leak into another.
 */
export function freshAccount(region = 'us-east-1'): { account: string; clients: PreflightClients } {
  const account = String(randomInt(100_000_000_000, 999_999_999_999));
  const clients = createPreflightClients(region);
  for (const client of sdkClients(clients)) {
    client.middlewareStack.add(
      (next: (args: { request: HttpRequest }) => Promise<unknown>) => async (args: { request: HttpRequest }) => {
        args.request.headers['x-moto-account-id'] = account;
        return next(args);
      },
      { step: 'build', name: 'motoAccountId' },
    );
  }
  return { account, clients };
}

type Answer = (input: Record<string, unknown>) => Record<string, unknown> | undefined;

/** Answers one command on the client when `answer` returns an output; every other call goes to moto. */
function answerCommand(client: unknown, commandName: string, answer: Answer): void {
  (client as MiddlewareClient).middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: { input: Record<string, unknown> }) => {
        const output = context.commandName === commandName ? answer(args.input) : undefined;
        return output ? { output: { ...output, $metadata: { httpStatusCode: 200 } }, response: {} } : next(args);
      },
    { step: 'initialize', name: `answer${commandName}` },
  );
}

/** moto's Service Quotas serves only the `vpc` service code, so EC2 quota values are answered here. */
export function withSpotQuotas(clients: PreflightClients, vcpus: Partial<Record<SpotQuotaGroup, number>>): void {
  answerCommand(clients.serviceQuotas, 'GetServiceQuotaCommand', (input) => {
    const group = SPOT_QUOTA_GROUPS.find((g) => SPOT_QUOTA_CODES[g] === input.QuotaCode);
    if (input.ServiceCode !== 'ec2' || !group || vcpus[group] === undefined) return undefined;
    return {
      Quota: {
        ServiceCode: 'ec2',
        QuotaCode: input.QuotaCode,
        QuotaName: group,
        Value: vcpus[group],
        Unit: 'None',
        Adjustable: true,
      },
    };
  });
}

/**
 * moto publishes no Deep Learning AMI parameters and refuses to create names under /aws/, so the
 * public parameter's answer in a region that has it is given here; other names go to moto.
 */
export function withPublishedGpuAmi(clients: PreflightClients, amiId = 'ami-0a1b2c3d4e5f60718'): void {
  answerCommand(clients.ssm, 'GetParameterCommand', (input) =>
    input.Name === DEFAULT_GPU_AMI_PARAMETER
      ? {
          Parameter: {
            Name: DEFAULT_GPU_AMI_PARAMETER,
            Type: 'String',
            Value: amiId,
            Version: 1,
            DataType: 'aws:ec2:image',
          },
        }
      : undefined,
  );
}

/** Deploys the bootstrap template the installed CDK CLI ships (what `cdk bootstrap` creates) into moto. */
export async function bootstrapWithCdkTemplate(clients: PreflightClients): Promise<void> {
  const require = createRequire(import.meta.url);
  const template = readFileSync(require.resolve('aws-cdk/lib/api/bootstrap/bootstrap-template.yaml'), 'utf8');
  await clients.cloudFormation.send(
    new CreateStackCommand({
      StackName: CDK_TOOLKIT_STACK_NAME,
      TemplateBody: template,
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
}

/** A toolkit stack as an old bootstrap left it: version `version` in the parameter and the output. */
export async function bootstrapAtVersion(
  clients: PreflightClients,
  version: number,
  withParameter = true,
): Promise<void> {
  const template = {
    Resources: withParameter
      ? {
          CdkBootstrapVersion: {
            Type: 'AWS::SSM::Parameter',
            Properties: { Type: 'String', Name: '/cdk-bootstrap/hnb659fds/version', Value: String(version) },
          },
        }
      : { Placeholder: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
    Outputs: { BootstrapVersion: { Value: String(version) } },
  };
  await clients.cloudFormation.send(
    new CreateStackCommand({ StackName: CDK_TOOLKIT_STACK_NAME, TemplateBody: JSON.stringify(template) }),
  );
}

/**
 * The role as EC2 creates it (name and path). moto's CreateServiceLinkedRole derives the name from the
 * service principal (AWSServiceRoleForspot), so the role is created directly with the real name.
 */
export async function createSpotServiceLinkedRole(clients: PreflightClients): Promise<void> {
  const trust = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'spot.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
  await clients.iam.send(
    new CreateRoleCommand({
      RoleName: SPOT_SERVICE_LINKED_ROLE_NAME,
      Path: '/aws-service-role/spot.amazonaws.com/',
      AssumeRolePolicyDocument: JSON.stringify(trust),
    }),
  );
}

export async function createSecret(clients: PreflightClients, name: string, value?: string): Promise<void> {
  await clients.secretsManager.send(
    new CreateSecretCommand({ Name: name, ...(value !== undefined ? { SecretString: value } : {}) }),
  );
}
