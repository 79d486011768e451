import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import type { SignalForgeConfig } from '../../core/config/index.js';
import type { RetrainInput, RetrainSummary } from '../../lambdas/training/contracts.js';
import type { RetrainTaskName } from '../../lambdas/training/task-catalog.js';
import type { TaskHandlers } from '../../lambdas/training/tasks/index.js';
import { synthesizeRetrainDefinition } from './retrain-definition.js';
import { toStateEvent, type RetrainStateEvent } from './state-events.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type StateDef = {
  Type: string;
  Resource?: string;
  Retry?: unknown[];
  ItemProcessor?: { States: Record<string, StateDef> };
  Iterator?: { States: Record<string, StateDef> };
};

export interface RunRetrainLocallyOptions {
  config: SignalForgeConfig;
  /** createTaskHandlers(deps), possibly with some handlers wrapped by a test or the sandbox. */
  handlers: TaskHandlers;
  input: RetrainInput;
  /** Milliseconds the WaitForTrainer poll waits instead of its configured seconds. @default 250 */
  pollMs?: number;
  /**
   * Milliseconds the WaitForApproval poll waits (manual approval); by default the definition's own
   * (`promotion.approvalPollSeconds`).
   */
  approvalPollMs?: number;
  /** Milliseconds the BakeCanary wait lasts; by default the definition's own (`$.run.bakeSeconds`). */
  bakeMs?: number;
  /** Milliseconds before each retry instead of the definition's backoff. @default 20 */
  retryMs?: number;
  /** Every state event (entered, exited, failed, retried, caught) with its time, as it happens. */
  onState?: (event: RetrainStateEvent) => void;
  /**
   * The size of every state's input (on entry) and output (on exit), and of the execution's, as
   * Step Functions counts it against its 256 KiB payload limit (UTF-8 JSON).
   */
  onPayload?: (payload: StatePayload) => void;
  /**
   * Aborts the execution (StopExecution): no state starts after it, a Wait ends at once, and the run
   * resolves with status ABORTED once the Task handlers already running have returned.
   */
  signal?: AbortSignal;
  /** `$$.Execution.Id` (trainers are tagged with it). @default a local ARN named after the state machine */
  executionArn?: string;
  /**
   * How long an abort waits for running Task handlers (whatever they launched is then known to the caller). @default
   * 15000
   */
  abortGraceMs?: number;
}

export interface LocalRetrainResult {
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  /** The execution output (the run summary) when it succeeded. */
  output?: RetrainSummary;
  error?: string;
  cause?: string;
  /** Names of the states entered, in order (Map iterations interleave). */
  path: string[];
  /** Every state event in the order the executor reported it. */
  events: RetrainStateEvent[];
}

export interface StatePayload {
  /** The state's name, or `(execution)` for the execution's own input and output. */
  state: string;
  kind: 'input' | 'output';
  bytes: number;
  mapIndex?: number;
}

/** Thrown into a Task handler invoked after the abort (a Map iteration queued behind the concurrency limit). */
export class RetrainAbortedError extends Error {
  override readonly name = 'RetrainAborted';
  constructor() {
    super('the execution was aborted');
  }
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
  const { signal } = options;
  if (signal?.aborted) return { status: 'ABORTED', error: 'ExecutionAborted', path: [], events: [] };
  const { definition, taskByArn } = synthesizeRetrainDefinition(options.config);
  // Handler calls still running; an abort cannot interrupt them, so it waits for them before resolving.
  const inFlight = new Set<Promise<unknown>>();
  const taskResourceLocalHandlers: Record<string, (input: Json) => Promise<Json>> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  walkStates((definition as { States: Record<string, StateDef> }).States, (name, state) => {
    if (state.Retry) retryIntervalOverrides[name] = options.retryMs ?? 20;
    if (state.Type !== 'Task') return;
    const task: RetrainTaskName | undefined = state.Resource ? taskByArn[state.Resource] : undefined;
    if (!task) throw new Error(`Task state ${name} has no local handler for ${state.Resource}`);
    const handler = options.handlers[task];
    taskResourceLocalHandlers[name] = async (input) => {
      if (signal?.aborted) throw new RetrainAbortedError();
      const call = handler(viaJson(input));
      inFlight.add(call);
      try {
        return viaJson(await call);
      } finally {
        inFlight.delete(call);
      }
    };
  });
  const waitTimeOverrides: Record<string, number> = { WaitForTrainer: options.pollMs ?? 250 };
  if (options.bakeMs !== undefined) waitTimeOverrides.BakeCanary = options.bakeMs;
  if (options.approvalPollMs !== undefined) waitTimeOverrides.WaitForApproval = options.approvalPollMs;

  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
  let abortExecution: (() => void) | undefined;
  const onAbort = () => abortExecution?.();
  signal?.addEventListener('abort', onAbort, { once: true });
  // run() invokes the first Task handler synchronously, so an abort may already have happened when it returns.
  const stateMachineName = `signalforge-${options.config.envName}-retrain`;
  const executionArn =
    options.executionArn ??
    `arn:aws:states:${options.config.region}:000000000000:execution:${stateMachineName}:local-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`;
  const context = {
    Execution: {
      Id: executionArn,
      Name: executionArn.split(':').at(-1)!,
      StartTime: new Date().toISOString(),
      Input: viaJson(options.input),
      RoleArn: 'arn:aws:iam::000000000000:role/local',
    },
    StateMachine: {
      Id: executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, ''),
      Name: stateMachineName,
    },
  };
  const execution = machine.run(viaJson(options.input), {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    context: context as never,
  });
  abortExecution = execution.abort;
  if (signal?.aborted) execution.abort();
  const path: string[] = [];
  const events: RetrainStateEvent[] = [];
  const collecting = (async () => {
    for await (const entry of execution.eventLogs) {
      if (options.onPayload) reportPayload(entry, options.onPayload);
      const event = toStateEvent(entry);
      if (!event) continue;
      events.push(event);
      if (event.kind === 'entered') path.push(event.state);
      options.onState?.(event);
    }
  })();
  try {
    const output = (await execution.result) as unknown as RetrainSummary;
    await collecting.catch(() => undefined);
    return { status: 'SUCCEEDED', output, path, events };
  } catch (err) {
    if (err instanceof ExecutionAbortedError) {
      await settle(inFlight, options.abortGraceMs ?? 15_000);
      await collecting.catch(() => undefined);
      return { status: 'ABORTED', error: 'ExecutionAborted', path, events };
    }
    await collecting.catch(() => undefined);
    if (err instanceof ExecutionTimeoutError)
      return { status: 'TIMED_OUT', error: 'States.Timeout', cause: err.message, path, events };
    const cause = err instanceof ExecutionError ? (err.cause as Error) : (err as Error);
    return { status: 'FAILED', error: cause?.name ?? 'Error', cause: cause?.message, path, events };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

function reportPayload(entry: EventLog, report: (payload: StatePayload) => void): void {
  const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
  const index = 'index' in entry && entry.index !== undefined ? { mapIndex: entry.index } : {};
  if (entry.type === 'ExecutionStarted') report({ state: '(execution)', kind: 'input', bytes: bytes(entry.input) });
  if (entry.type === 'ExecutionSucceeded') report({ state: '(execution)', kind: 'output', bytes: bytes(entry.output) });
  if (entry.type === 'StateEntered')
    report({ state: entry.state.name, kind: 'input', bytes: bytes(entry.state.input), ...index });
  if (entry.type === 'StateExited')
    report({ state: entry.state.name, kind: 'output', bytes: bytes(entry.state.output), ...index });
}

/** Waits until the given calls have settled, or the grace period is over. */
async function settle(calls: Set<Promise<unknown>>, graceMs: number): Promise<void> {
  if (calls.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
  await Promise.race([Promise.allSettled([...calls]), grace]);
  clearTimeout(timer);
}
