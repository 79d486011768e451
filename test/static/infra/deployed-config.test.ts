import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/index.js';
import { Ec2SpotLauncher } from '../../../lambdas/training/launchers/index.js';
import { TASK_METADATA_KEY } from '../../../lambdas/training/task-catalog.js';
import { DEPLOYED_CONFIG_FILE } from '../../../lib/constructs/deployed-config.js';
import { readTemplates, resourcesOfType, type Template } from './template-helpers.js';
import { synthesizeApp, type Synthesized } from './synthesize.js';

/** Deploying into another region than config.region (`cdk deploy` with CDK_DEFAULT_REGION set). */
const STACK_REGION = 'eu-central-2';
const config = loadConfig({ env: {} });

let synth: Synthesized;
let templates: Record<string, Template>;
beforeAll(() => {
  expect(config.region).not.toBe(STACK_REGION);
  synth = synthesizeApp(undefined, { region: STACK_REGION });
  templates = readTemplates(synth.outdir);
}, 600_000);
afterAll(() => {
  if (synth) rmSync(synth.outdir, { recursive: true, force: true });
});

const signalForgeFunctions = () =>
  resourcesOfType(templates, 'AWS::Lambda::Function')
    .map((f) => ({ ...f, asset: join(synth.outdir, `asset.${String(f.props.Code.S3Key).replace(/\.zip$/, '')}`) }))
    // CDK's own provider functions are not SignalForge handlers.
    .filter((f) => existsSync(join(f.asset, 'index.mjs')));

describe('the deployed config travels in the Lambda asset, not the environment', () => {
  it('gives every SignalForge function a pointer to the bundled config and no config JSON', () => {
    const fns = signalForgeFunctions();
    expect(fns.length).toBeGreaterThanOrEqual(20);
    for (const f of fns) {
      const vars = f.props.Environment.Variables as Record<string, unknown>;
      expect(vars.SIGNALFORGE_CONFIG_JSON, f.id).toBeUndefined();
      expect(vars.SIGNALFORGE_CONFIG_FILE, f.id).toBe(`/var/task/${DEPLOYED_CONFIG_FILE}`);
      expect(readdirSync(f.asset), f.id).toContain(DEPLOYED_CONFIG_FILE);
    }
  });

  it('bundles a config that loadConfig reads back as the synth config with the stack region', () => {
    const assets = new Set(signalForgeFunctions().map((f) => f.asset));
    for (const asset of assets) {
      const loaded = loadConfig({ env: { SIGNALFORGE_CONFIG_FILE: join(asset, DEPLOYED_CONFIG_FILE) } });
      expect(loaded).toEqual({ ...config, region: STACK_REGION });
    }
  });

  it('still shares one asset between functions with the same entry', () => {
    const fns = signalForgeFunctions();
    const producers = fns.filter((f) => f.props.Environment.Variables.SOURCE);
    const sinks = fns.filter((f) => f.props.Environment.Variables.TOPIC);
    expect(producers.length).toBe(4);
    expect(sinks.length).toBe(4);
    expect(new Set(producers.map((f) => f.asset)).size).toBe(1);
    expect(new Set(sinks.map((f) => f.asset)).size).toBe(1);
  });
});

describe('synthesized into another region than config.region', () => {
  it('uses the stack region everywhere and config.region nowhere in any template', () => {
    const mentions = Object.entries(templates).flatMap(([stack, template]) => {
      const text = JSON.stringify(template);
      return [...text.matchAll(new RegExp(config.region, 'g'))].map(
        (m) => `${stack}: …${text.slice(Math.max(0, m.index - 60), m.index + 20)}…`,
      );
    });
    expect(mentions).toEqual([]);
    const [lt] = resourcesOfType(templates, 'AWS::EC2::LaunchTemplate');
    const userData = JSON.stringify(lt!.props.LaunchTemplateData.UserData);
    // The bootstrap lives in the launch template: it renders the stack region once and uses it for
    // every AWS CLI call and as the trainer's AWS_REGION.
    const rendered = (text: string) => JSON.stringify(text).slice(1, -1);
    expect(userData).toContain(rendered(`REGION='${STACK_REGION}'\n`));
    expect(userData).toContain(rendered('--region "$REGION"'));
    expect(userData).toContain(rendered('export AWS_REGION="$REGION" '));
    expect(userData).not.toMatch(/--region (?!\\"\$REGION\\")/);
  });

  it('launches trainers whose launch document carries the stack region (the launcher reads the bundled config)', () => {
    const launch = signalForgeFunctions().find(
      (f) =>
        (templates[f.stack]!.Resources[f.id] as { Metadata?: Record<string, string> }).Metadata?.[TASK_METADATA_KEY] ===
        'launch',
    )!;
    const deployed = loadConfig({ env: { SIGNALFORGE_CONFIG_FILE: join(launch.asset, DEPLOYED_CONFIG_FILE) } });
    const launcher = new Ec2SpotLauncher({
      config: deployed,
      launchTemplateId: 'lt-0123456789abcdef0',
      subnetIds: ['subnet-1'],
      securityGroupIds: [],
    });
    const doc = launcher.launchDoc({
      runId: 'rt-1-s000',
      configs: ['AAPL#1h'],
      manifestUri: 's3://a/m.json',
      outUri: 's3://a',
      checkpointUri: 's3://a/runs/rt-1-s000/ckpt',
      resume: false,
      attempt: 1,
      instanceTypeIndex: 0,
      epochs: 1,
      parentRunId: 'rt-1',
      shardId: 's000',
    });
    expect(doc.config.region).toBe(STACK_REGION);
    expect(JSON.stringify(doc)).not.toContain(config.region);
  });
});
