import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnWaitConditionHandle, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';

/** The CDK CLI's default toolkit stack name (`cdk bootstrap --toolkit-stack-name` changes it; this app does not). */
export const CDK_TOOLKIT_STACK_NAME = 'CDKToolkit';

export interface BootstrapRequirement {
  /** Lowest bootstrap stack version the app's stacks accept (their CheckBootstrapVersion rule). */
  minVersion: number;
  /** SSM parameter the deploy reads the installed version from, e.g. /cdk-bootstrap/hnb659fds/version. */
  versionParameter: string;
}

let cached: BootstrapRequirement | undefined;

/**
 * Asks the installed aws-cdk-lib instead of hard-coding a number: a one-resource stack with the
 * synthesizer the app uses (the default one, default qualifier) records the bootstrap version it needs
 * in the cloud assembly, and that number moves when aws-cdk-lib is upgraded.
 */
export function bootstrapRequirement(): BootstrapRequirement {
  if (cached) return cached;
  const outdir = mkdtempSync(join(tmpdir(), 'signalforge-preflight-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'BootstrapProbe', { synthesizer: new DefaultStackSynthesizer() });
    new CfnWaitConditionHandle(stack, 'Probe');
    const artifact = app.synth().getStackByName(stack.stackName);
    const minVersion = artifact.requiresBootstrapStackVersion;
    const versionParameter = artifact.bootstrapStackVersionSsmParameter;
    if (minVersion === undefined || versionParameter === undefined)
      throw new Error('aws-cdk-lib recorded no bootstrap requirement for the default synthesizer');
    cached = { minVersion, versionParameter };
    return cached;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
