import { lambdaTask } from '../runtime.js';
import { scoreChampion } from '../tasks/champion.js';

/**
 * Retrain state machine task `gate`; the logic is in tasks/, shared with tests and the sandbox. The champion
 * scorer (onnxruntime) is wired here, so only this function's bundle carries onnxruntime. It lives in its own
 * folder because the Lambda bundler builds every `*.handler.ts` of a folder in one esbuild pass with the same
 * externals, and onnxruntime's native binary cannot be bundled, only shipped beside the handler.
 */
export const handler = lambdaTask('gate', { scoreChampion });
