import type { Context } from 'aws-lambda';
import { createLogger, observed } from '../../core/observability/index.js';
import { depsFromEnv, type TrainingDeps } from './deps.js';
import type { RetrainTaskName } from './task-catalog.js';
import { createTaskHandlers, type TaskHandlers } from './tasks/index.js';

let handlers: TaskHandlers | undefined;
const logger = createLogger('signalforge-retrain');

/** The retrain run id wherever the task's input carries it (`run.runId`, or `runId` for the run-level tasks). */
function runIdOf(event: unknown): string | undefined {
  const e = event as { run?: { runId?: unknown }; runId?: unknown; state?: { run?: { runId?: unknown } } } | null;
  const id = e?.run?.runId ?? e?.state?.run?.runId ?? e?.runId;
  return typeof id === 'string' ? id : undefined;
}

/** Lambda adapter: builds the dependencies once per container, then runs the named task on the event. */
export function lambdaTask(
  name: RetrainTaskName,
  overrides: Partial<TrainingDeps> = {},
): (event: unknown, context?: Context) => Promise<unknown> {
  return observed(
    { logger, correlation: (event) => ({ task: name, runId: runIdOf(event) }) },
    async (event: unknown) => {
      handlers ??= createTaskHandlers(depsFromEnv(process.env, overrides));
      logger.info('task started');
      const result = await handlers[name](event);
      logger.info('task finished');
      return result;
    },
  );
}
