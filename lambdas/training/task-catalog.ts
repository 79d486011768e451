/**
 * The retrain state machine's Lambda tasks: name, entry file and budget. The construct creates one
 * SignalForgeFunction per entry; the local runner maps each Task's Lambda ARN back to the same name.
 * Kept free of runtime imports so CDK code can read it cheaply.
 */
export const RETRAIN_TASKS = {
  snapshot: {
    entry: 'lambdas/training/snapshot-dataset.handler.ts',
    description: 'Retrain: freeze the dataset manifest',
    timeoutSeconds: 300,
    memoryMb: 1024,
  },
  quality: {
    entry: 'lambdas/training/quality-gate.handler.ts',
    description: 'Retrain: data-quality gate',
    timeoutSeconds: 900,
    memoryMb: 3008,
  },
  plan: {
    entry: 'lambdas/training/plan-shards.handler.ts',
    description: 'Retrain: plan trainer shards',
    timeoutSeconds: 30,
    memoryMb: 256,
  },
  launch: {
    entry: 'lambdas/training/launch-trainer.handler.ts',
    description: 'Retrain: launch a trainer (EC2 spot, SageMaker or local)',
    timeoutSeconds: 120,
    memoryMb: 512,
  },
  check: {
    entry: 'lambdas/training/check-trainer.handler.ts',
    description: 'Retrain: read a trainer heartbeat and status',
    timeoutSeconds: 60,
    memoryMb: 512,
  },
  stop: {
    entry: 'lambdas/training/stop-trainer.handler.ts',
    description: 'Retrain: terminate a finished, failed or abandoned trainer',
    timeoutSeconds: 60,
    memoryMb: 256,
  },
  stopRun: {
    entry: 'lambdas/training/stop-run-trainers.handler.ts',
    description: 'Retrain: terminate every trainer of a run whose shards failed',
    timeoutSeconds: 120,
    memoryMb: 256,
  },
  relaunch: {
    entry: 'lambdas/training/relaunch-trainer.handler.ts',
    description: 'Retrain: stop a dead trainer and prepare a resumed attempt',
    timeoutSeconds: 60,
    memoryMb: 256,
  },
  evaluate: {
    entry: 'lambdas/training/evaluate-candidates.handler.ts',
    description: 'Retrain: verify artifacts and collect metrics',
    timeoutSeconds: 600,
    memoryMb: 1024,
  },
  register: {
    entry: 'lambdas/training/register-candidates.handler.ts',
    description: 'Retrain: register candidate versions',
    timeoutSeconds: 300,
    memoryMb: 512,
  },
  // Runs the production model with onnxruntime to re-score it on each candidate's latest fold.
  gate: {
    entry: 'lambdas/training/gate/gate-candidates.handler.ts',
    description: 'Retrain: promotion gate (walk-forward statistics, champion re-scored on the same window)',
    timeoutSeconds: 600,
    memoryMb: 1536,
    onnxruntime: true,
  },
  approval: {
    entry: 'lambdas/training/approval.handler.ts',
    description: 'Retrain: park gated candidates for manual approval and poll their decisions',
    timeoutSeconds: 120,
    memoryMb: 256,
  },
  canary: {
    entry: 'lambdas/training/start-canary.handler.ts',
    description: 'Retrain: set canary aliases',
    timeoutSeconds: 300,
    memoryMb: 512,
  },
  bake: {
    entry: 'lambdas/training/judge-canary.handler.ts',
    description: 'Retrain: judge canaries on live metrics',
    timeoutSeconds: 300,
    memoryMb: 512,
  },
  finish: {
    entry: 'lambdas/training/finish-canary.handler.ts',
    description: 'Retrain: promote or roll back canaries',
    timeoutSeconds: 300,
    memoryMb: 512,
  },
  notify: {
    entry: 'lambdas/training/notify.handler.ts',
    description: 'Retrain: publish the run summary',
    timeoutSeconds: 60,
    memoryMb: 256,
  },
} as const;

export type RetrainTaskName = keyof typeof RETRAIN_TASKS;
export const RETRAIN_TASK_NAMES = Object.keys(RETRAIN_TASKS) as RetrainTaskName[];

/** The Lambda's CloudFormation metadata key naming its task, read back by local/stepfunctions. */
export const TASK_METADATA_KEY = 'signalforge:retrain-task';
