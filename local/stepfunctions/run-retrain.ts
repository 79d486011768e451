import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import type { SignalForgeConfig } from '../../core/config/index.js';
import type { RetrainInput, RetrainSummary } from '../../lambdas/training/contracts.js';
import type { RetrainTaskName } from '../../lambdas/training/task-catalog.js';
import type { TaskHandlers } from '../../lambdas/training/tasks/index.js';
import { synthesizeRetrainDefinition } from './retrain-definition.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type StateDef = { Type: string; Resource?: string; Retry?: unknown[]; ItemProcessor?: { States: Record<string, StateDef> }; Iterator?: { States: Record<string, StateDef> } };

export interface RunRetrainLocallyOptions {
  config: SignalForgeConfig;
  /** createTaskHandlers(deps), possibly with some handlers wrapped by a test or the sandbox. */
  handlers: TaskHandlers;
  input: RetrainInput;
  /** Milliseconds the WaitForTrainer poll waits instead of its configured seconds. @default 250 */
  pollMs?: number;
  /** Milliseconds the BakeCanary wait lasts; by default the definition's own (`$.run.bakeSeconds`). */
  bakeMs?: number;
  /** Milliseconds before each retry instead of the definition's backoff. @default 20 */
  retryMs?: number;
  /** Every state entered, as it happens (progress output). */
  onState?: (name: string, type: string) => void;
}

export interface LocalRetrainResult {
  status: 'SUCCEEDED' | 'FAILED';
  /** The execution output (the run summary) when it succeeded. */
  output?: RetrainSummary;
  error?: string;
  cause?: string;
  /** Names of the states entered, in order (Map iterations interleave). */
  path: string[];
}

function walkStates(states: Record<string, StateDef>, visit: (name: string, state: StateDef) => void): void {
  for (const [name, state] of Object.entries(states)) {
    visit(name, state);
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) walkStates(inner.States, visit);
  }
}

/** What a Lambda round trip does to payloads: JSON in, JSON out. */
function viaJson<T>(value: T): Json {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json);
}

/**
 * Executes the CDK-synthesised retrain definition with aws-local-stepfunctions, running every Task's
 * Lambda ARN as the in-process handler of the same task. Waits and retry pauses shrink to keep a local
 * run short; nothing else about the definition changes.
 */
export async function runRetrainLocally(options: RunRetrainLocallyOptions): Promise<LocalRetrainResult> {
  const { definition, taskByArn } = synthesizeRetrainDefinition(options.config);
  const taskResourceLocalHandlers: Record<string, (input: Json) => Promise<Json>> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  walkStates((definition as { States: Record<string, StateDef> }).States, (name, state) => {
    if (state.Retry) retryIntervalOverrides[name] = options.retryMs ?? 20;
    if (state.Type !== 'Task') return;
    const task: RetrainTaskName | undefined = state.Resource ? taskByArn[state.Resource] : undefined;
    if (!task) throw new Error(`Task state ${name} has no local handler for ${state.Resource}`);
    const handler = options.handlers[task];
    taskResourceLocalHandlers[name] = async (input) => viaJson(await handler(viaJson(input)));
  });
  const waitTimeOverrides: Record<string, number> = { WaitForTrainer: options.pollMs ?? 250 };
  if (options.bakeMs !== undefined) waitTimeOverrides.BakeCanary = options.bakeMs;

  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(viaJson(options.input), { overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides } });
  const path: string[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') {
        path.push(event.state.name);
        options.onState?.(event.state.name, event.state.type);
      }
    }
  })();
  try {
    const output = (await execution.result) as unknown as RetrainSummary;
    await collecting.catch(() => undefined);
    return { status: 'SUCCEEDED', output, path };
  } catch (err) {
    await collecting.catch(() => undefined);
    const cause = err instanceof ExecutionError ? (err.cause as Error) : (err as Error);
    return { status: 'FAILED', error: cause?.name ?? 'Error', cause: cause?.message, path };
  }
}
