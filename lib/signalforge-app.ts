import { Stack, Tags, type App, type Environment } from 'aws-cdk-lib';
import type { SignalForgeConfig } from '../core/config/index.js';

/** Builds every SignalForge stack into `app`. The stacks are filled in by the infrastructure work. */
export function buildSignalForge(app: App, config: SignalForgeConfig, env: Environment): Stack[] {
  const data = new Stack(app, `SignalForge-${config.envName}-Data`, { env, description: 'SignalForge data lake, artifacts and model registry' });
  const stacks = [data];
  for (const stack of stacks) Tags.of(stack).add('project', 'signalforge');
  return stacks;
}
