import { lambdaTask } from './runtime.js';

/** Retrain state machine task `approval` (request and poll manual approvals); the logic is in tasks/approval.ts. */
export const handler = lambdaTask('approval');
