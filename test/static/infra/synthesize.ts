import { App } from 'aws-cdk-lib';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { loadConfig, type ConfigOverrides } from '../../../core/config/index.js';
import { repoRoot } from '../../../lib/constructs/signalforge-function.js';
import type { AuditedAwsSolutionsChecks } from '../../../lib/nag/audited-checks.js';
import { buildSignalForge, type SignalForgeStacks } from '../../../lib/signalforge-app.js';

export interface Synthesized {
  app: App;
  stacks: SignalForgeStacks;
  /** The cdk-nag pack that validated this app. */
  nag: AuditedAwsSolutionsChecks;
  assembly: CloudAssembly;
  outdir: string;
  synthMs: number;
}

/**
 * Synthesize the whole app from config defaults (no credentials, no network), once per caller.
 * Bundling many Lambdas is the slow part, so test files share one result; `bundling: false` skips it
 * (placeholder code assets) for tests about templates only; `region` deploys into another region than
 * config.region, as `cdk deploy` does when CDK_DEFAULT_REGION differs.
 */
export function synthesizeApp(
  overrides?: ConfigOverrides,
  options: { bundling?: boolean /** @default config.region */; region?: string } = {},
): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'signalforge-synth-'));
  const started = performance.now();
  // The same feature flags `cdk synth` reads from cdk.json, so tests see the templates a deploy gets.
  const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({
    outdir,
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': options.bundling === false ? [] : ['**'] },
  });
  const config = loadConfig({ env: {}, overrides });
  const { stacks, nag } = buildSignalForge(app, config, { region: options.region ?? config.region });
  const assembly = app.synth();
  return { app, stacks, nag: nag!, assembly, outdir, synthMs: performance.now() - started };
}

let shared: Synthesized | undefined;
/** The default-config synthesis, built on first use within this test file's process. */
export function defaultSynthesis(): Synthesized {
  shared ??= synthesizeApp();
  return shared;
}
