import { lambdaTask } from './runtime.js';

/** Retrain state machine task `check`; the logic is in tasks/, shared with tests and the sandbox. */
export const handler = lambdaTask('check');
