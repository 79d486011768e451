import { depsFromEnv, type TrainingDeps } from './deps.js';
import type { RetrainTaskName } from './task-catalog.js';
import { createTaskHandlers, type TaskHandlers } from './tasks/index.js';

let handlers: TaskHandlers | undefined;

/** Lambda adapter: builds the dependencies once per container, then runs the named task on the event. */
export function lambdaTask(name: RetrainTaskName, overrides: Partial<TrainingDeps> = {}): (event: unknown) => Promise<unknown> {
  return async (event: unknown) => {
    handlers ??= createTaskHandlers(depsFromEnv(process.env, overrides));
    return handlers[name](event);
  };
}
