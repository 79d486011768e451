// The umbrella package, because its Node bundle is what registers the gradient functions
// (tfjs-core's own register_all_gradients is ESM without file extensions, which Node cannot load).
import * as tf from '@tensorflow/tfjs';

export const BACKENDS = ['wasm', 'cpu', 'tensorflow'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type Tf = typeof tf;

/** Module name in a variable so TypeScript and bundlers do not try to resolve the optional package. */
const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';

/**
 * Selects the tfjs backend. `tensorflow` needs @tensorflow/tfjs-node-gpu, an optional package that the
 * GPU instance's user data installs (see gpu-trainer/README.md); it is imported only when chosen.
 */
export async function initBackend(name: BackendName): Promise<Tf> {
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (name === 'tensorflow') {
    try {
      await import(TFJS_NODE_GPU);
    } catch (err) {
      throw new Error(
        `backend "tensorflow" needs ${TFJS_NODE_GPU}: install it with \`npm install --no-save ${TFJS_NODE_GPU}@4.22.0\` (done by the GPU instance user data); ${(err as Error).message}`,
      );
    }
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
  await tf.ready();
  return tf;
}
