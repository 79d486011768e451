import { Token, type Stack } from 'aws-cdk-lib';
import { parseConfig, type SignalForgeConfig } from '../../core/config/index.js';

/** File name of the deployed config inside every SignalForge Lambda asset. */
export const DEPLOYED_CONFIG_FILE = 'signalforge.config.json';
/** Where Lambda unpacks the asset (LAMBDA_TASK_ROOT of the managed runtimes). */
const LAMBDA_TASK_ROOT = '/var/task';

/**
 * The config a function deploys with: the synth config, validated, with `region` set to the stack's
 * region (`cdk deploy` may target another region than config.region, and the handlers, the trainer
 * user data among them, must use the region they run in).
 */
export function deployedConfig(config: SignalForgeConfig, stack: Stack): SignalForgeConfig {
  if (Token.isUnresolved(stack.region)) {
    throw new Error(
      `${stack.stackName}: SignalForge functions need a stack with a concrete region (env.region) to bundle their config`,
    );
  }
  return parseConfig({ ...config, region: stack.region });
}

/**
 * The one environment variable that carries the config: a pointer to the file bundled at synth. The
 * config itself (~3 KB, growing with the universe) would not fit Lambda's 4 KB environment.
 */
export function deployedConfigEnvironment(): Record<string, string> {
  return { SIGNALFORGE_CONFIG_FILE: `${LAMBDA_TASK_ROOT}/${DEPLOYED_CONFIG_FILE}` };
}
