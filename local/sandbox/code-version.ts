import { gitCodeVersion } from '../../lib/code-version.js';
import { repoRoot } from '../../lib/constructs/signalforge-function.js';

/**
 * The sandbox runs the sources under tsx, so no bundle carries a stamp: it exports the checkout's commit as
 * SIGNALFORGE_CODE_VERSION for the tasks it runs in-process and the trainer processes it spawns (which inherit
 * the environment), and returns it for the run summary.
 */
export function stampSandboxCodeVersion(env: NodeJS.ProcessEnv = process.env): string {
  const version = gitCodeVersion(repoRoot, env);
  env.SIGNALFORGE_CODE_VERSION = version;
  return version;
}
