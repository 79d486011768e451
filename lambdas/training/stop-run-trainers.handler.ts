import { lambdaTask } from './runtime.js';

/** Retrain state machine task `stopRun`; the logic is in tasks/, shared with tests and the sandbox. */
export const handler = lambdaTask('stopRun');
