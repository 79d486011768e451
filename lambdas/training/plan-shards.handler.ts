import { lambdaTask } from './runtime.js';

/** Retrain state machine task `plan`; the logic is in tasks/, shared with tests and the sandbox. */
export const handler = lambdaTask('plan');
