import { lambdaTask } from './runtime.js';

/** Retrain state machine task `gate`; the logic is in tasks/, shared with tests and the sandbox. */
export const handler = lambdaTask('gate');
