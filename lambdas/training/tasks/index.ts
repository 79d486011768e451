import type {
  FinishingShardState,
  ShardOutcome,
  ShardState,
  RunContext,
  RetrainSummary,
  TrainerStatus,
} from '../contracts.js';
import type { TrainingDeps } from '../deps.js';
import type { RetrainTaskName } from '../task-catalog.js';
import { approvalTask } from './approval.js';
import { finishCanaries, judgeCanaries, startCanaries, type CanaryResult, type BakeDecision } from './deployment.js';
import { evaluateCandidates } from './evaluate.js';
import { notify, type NotifyState } from './notify.js';
import { planShards } from './plan.js';
import { checkDataQuality } from './quality-gate.js';
import { gateCandidates, type GateResult } from './gate.js';
import { registerCandidates } from './registration.js';
import { snapshotDataset } from './snapshot.js';
import { checkTrainer, launchTrainer, prepareRelaunch, stopRunTrainers, stopTrainer } from './trainer.js';

// Each task takes its own payload type; a caller dispatching by name passes the state's JSON input. A method
// signature's parameter is bivariant, so every handler fits the map without widening its input to `any`.
export type TaskHandler = { handle(input: unknown): Promise<unknown> }['handle'];
export type TaskHandlers = Record<RetrainTaskName, TaskHandler>;

/**
 * The plain functions behind every Task state, keyed by task name; the Lambda adapters, the tests and
 * the sandbox all call these. Each takes exactly what the state machine passes (see the construct).
 */
export function createTaskHandlers(deps: TrainingDeps): TaskHandlers {
  return {
    snapshot: (input: unknown) => snapshotDataset(deps, input),
    quality: (input: { run: RunContext }) => checkDataQuality(deps, input.run),
    plan: async (input: { run: RunContext; quality?: { skippedKeys?: string[] } }) =>
      planShards(deps, input.run, input.quality?.skippedKeys),
    launch: (input: ShardState) => launchTrainer(deps, input),
    check: (input: ShardState): Promise<TrainerStatus> => checkTrainer(deps, input),
    relaunch: (input: ShardState) => prepareRelaunch(deps, input),
    stop: (input: FinishingShardState): Promise<ShardOutcome> => stopTrainer(deps, input),
    stopRun: (input: { run: RunContext }) => stopRunTrainers(deps, input),
    evaluate: (input: { run: RunContext; training: ShardOutcome[] }) => evaluateCandidates(deps, input),
    register: (input: { run: RunContext }) => registerCandidates(deps, input),
    gate: (input: { run: RunContext; registration: { registered: { key: string; version: number }[] } }) =>
      gateCandidates(deps, input),
    approval: (input: Parameters<typeof approvalTask>[1]) => approvalTask(deps, input),
    canary: (input: { run: RunContext; gate: Pick<GateResult, 'promotable'> }) => startCanaries(deps, input),
    bake: (input: { run: RunContext; canary: CanaryResult }) => judgeCanaries(deps, input),
    finish: (input: { run: RunContext; bake: { decisions: BakeDecision[] } }) => finishCanaries(deps, input),
    notify: (input: { kind: 'outcome' | 'failure'; state: NotifyState }): Promise<RetrainSummary> =>
      notify(deps, input),
  };
}
