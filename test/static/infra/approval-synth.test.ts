import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, type ConfigOverrides } from '../../../core/config/index.js';
import { synthesizeApp } from './synthesize.js';
import { readTemplates, resourcesOfType } from './template-helpers.js';

const MANUAL: ConfigOverrides = {
  promotion: { approval: 'manual', approvalTimeoutSeconds: 86_400, approvalPollSeconds: 300 },
};

describe('manual promotion approval in the deployed app', () => {
  it('synthesizes nag-clean; the approval task may write the registry and the state machine may invoke it; the timeout covers the wait', () => {
    const synth = synthesizeApp(MANUAL, { bundling: false });
    try {
      expect(synth.nag.unusedAcknowledgements()).toEqual([]);
      const templates = readTemplates(synth.outdir);
      const fn = resourcesOfType(templates, 'AWS::Lambda::Function').find((f) =>
        f.id.startsWith('RetrainApprovalTask'),
      );
      expect(fn, 'approval task function').toBeDefined();
      const invoke = resourcesOfType(templates, 'AWS::IAM::Policy')
        .filter((p) => JSON.stringify(p.props.Roles ?? []).includes('RetrainStateMachineRole'))
        .flatMap((p) => p.props.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
        .filter((st) => [st.Action].flat().includes('lambda:InvokeFunction'));
      expect(JSON.stringify(invoke)).toContain(fn!.id);
      const statements = resourcesOfType(templates, 'AWS::IAM::Policy')
        .filter((p) => JSON.stringify(p.props.Roles ?? []).includes('RetrainApprovalTask'))
        .flatMap((p) => p.props.PolicyDocument.Statement as { Action: string | string[] }[]);
      const actions = statements.flatMap((st) => [st.Action].flat());
      expect(actions).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:GetItem']));
      const [machine] = resourcesOfType(templates, 'AWS::StepFunctions::StateMachine');
      expect(JSON.stringify(machine!.props.DefinitionString)).toContain('WaitForApproval');
      // Training hours x attempts + the bake and its extensions + the approval wait (a day and one poll)
      // + 4 h of slack.
      const config = loadConfig({ env: {}, overrides: MANUAL });
      const expected =
        config.training.maxRunHours * 3600 * config.training.maxAttempts +
        config.thresholds.bakeSeconds * (1 + config.deployment.maxBakeExtensions) +
        86_400 +
        300 +
        4 * 3600;
      expect(JSON.stringify(machine!.props.DefinitionString)).toMatch(
        new RegExp(`TimeoutSeconds\\\\?":${expected}[,}]`),
      );
    } finally {
      rmSync(synth.outdir, { recursive: true, force: true });
    }
  }, 300_000);
});
