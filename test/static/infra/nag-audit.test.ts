import { App, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AuditedAwsSolutionsChecks } from '../../../lib/nag/audited-checks.js';
import { acknowledge } from '../../../lib/nag/acknowledge.js';
import { readTemplates, resourcesOfType } from './template-helpers.js';
import { synthesizeApp } from './synthesize.js';

const EXACT = 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::signalforge-audit/models/*]';

/** A role whose policy has one wildcard object ARN, with the acknowledgements the test chooses. */
function roleApp(acks: { onRole: string[]; onStack?: string[] }): { app: App; role: Role } {
  const app = new App();
  const stack = new Stack(app, 'Audit', { env: { region: 'us-east-1' } });
  const role = new Role(stack, 'Reader', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [
        stack.formatArn({
          service: 's3',
          region: '',
          account: '',
          resource: 'signalforge-audit',
          resourceName: 'models/*',
        }),
      ],
    }),
  );
  for (const id of acks.onRole)
    acknowledge(role, id, 'Test acknowledgement with a reason long enough to pass the wrapper check.');
  for (const id of acks.onStack ?? [])
    acknowledge(stack, id, 'Test acknowledgement with a reason long enough to pass the wrapper check.');
  return { app, role };
}

const iam5 = (report: ReturnType<AuditedAwsSolutionsChecks['validateScope']>) =>
  report.violations.map((v) => v.ruleName).filter((r) => r.startsWith('AwsSolutions-IAM5'));

describe('AuditedAwsSolutionsChecks', () => {
  it('reports a bare rule id as unused: cdk-nag 3 needs the exact finding id, so it suppresses nothing', () => {
    const { app } = roleApp({ onRole: ['AwsSolutions-IAM5'] });
    const pack = new AuditedAwsSolutionsChecks();
    const report = pack.validateScope(app);
    expect(iam5(report)).toEqual([EXACT]);
    expect(pack.unusedAcknowledgements()).toEqual([{ path: 'Audit/Reader', id: 'AwsSolutions-IAM5' }]);
  });

  it('counts an exact acknowledgement on the flagged resource or an ancestor as used', () => {
    const { app } = roleApp({
      onRole: [EXACT],
      onStack: ['AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::other/*]'],
    });
    const pack = new AuditedAwsSolutionsChecks();
    const report = pack.validateScope(app);
    expect(iam5(report)).toEqual([]);
    // The stack-level one names a resource no policy has: dead, and reported as such.
    expect(pack.unusedAcknowledgements()).toEqual([
      { path: 'Audit', id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::other/*]' },
    ]);
  });

  it('synthesizes the SageMaker training backend nag-clean, with its training-job acknowledgements all used', () => {
    const synth = synthesizeApp(
      {
        training: {
          backend: 'sagemaker',
          sagemakerImageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/signalforge-trainer:1',
        },
      },
      { bundling: false },
    );
    try {
      expect(synth.nag.unusedAcknowledgements()).toEqual([]);
      const templates = readTemplates(synth.outdir);
      const create = resourcesOfType(templates, 'AWS::IAM::Policy')
        .flatMap((p) => p.props.PolicyDocument.Statement as { Action: string | string[]; Condition?: unknown }[])
        .find((st) => [st.Action].flat().includes('sagemaker:CreateTrainingJob'));
      expect(create?.Condition).toEqual({ StringEquals: { 'aws:RequestTag/project': 'signalforge' } });
    } finally {
      rmSync(synth.outdir, { recursive: true, force: true });
    }
  }, 300_000);
});
