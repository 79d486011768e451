import { lambdaTask } from './runtime.js';

/** Retrain state machine task `evaluate`; the logic is in tasks/, shared with tests and the sandbox. */
export const handler = lambdaTask('evaluate');
