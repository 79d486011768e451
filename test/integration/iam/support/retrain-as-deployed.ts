import { RETRAIN_TASKS, type RetrainTaskName } from '../../../../lambdas/training/task-catalog.js';
import type { TaskHandlers } from '../../../../lambdas/training/tasks/index.js';
import { runRetrainLocally, type LocalRetrainResult } from '../../../../local/stepfunctions/index.js';
import { asHandler, type DeployedApp, type FunctionRole } from '../../../support/iam/index.js';
import type { Synthesized } from '../../../static/infra/synthesize.js';
import type { RetrainWorld } from '../../orchestration/support/retrain-world.js';

/** Each retrain task's deployed function role, by task name. */
export function retrainTaskRoles(synth: Synthesized, app: DeployedApp): Record<RetrainTaskName, FunctionRole> {
  const functions = synth.stacks.training.retrain.functions;
  return Object.fromEntries(
    (Object.keys(RETRAIN_TASKS) as RetrainTaskName[]).map((t) => [t, app.functionRole(functions[t])]),
  ) as Record<RetrainTaskName, FunctionRole>;
}

/** Runs the synthesized retrain definition locally with every Task handler running as its own function. */
export function runRetrainAsDeployed(
  world: RetrainWorld,
  roles: Record<RetrainTaskName, FunctionRole>,
): Promise<LocalRetrainResult> {
  const handlers = Object.fromEntries(
    Object.entries(world.handlers).map(([name, h]) => [
      name,
      (event: unknown) => asHandler(roles[name as RetrainTaskName].handler, () => h(event)),
    ]),
  ) as TaskHandlers;
  return runRetrainLocally({
    config: world.config,
    handlers,
    input: { trigger: 'manual', reason: 'iam harness', requestedBy: 'vitest' },
    pollMs: 30,
    retryMs: 5,
  });
}

/** The moto names of a retrain world mapped to the names the deployed tasks get from their environment. */
export function retrainWorldNames(world: RetrainWorld, deployedEnv: Record<string, string>): Record<string, string> {
  return {
    [world.deps.lakeBucket]: deployedEnv.LAKE_BUCKET!,
    [world.deps.artifactBucket]: deployedEnv.ARTIFACT_BUCKET!,
    [world.registry.tableName]: deployedEnv.REGISTRY_TABLE!,
    [world.alerts.topicArn]: deployedEnv.ALERT_TOPIC_ARN!,
  };
}
