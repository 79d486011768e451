// The umbrella package, because its Node bundle is what registers the gradient functions
// (tfjs-core's own register_all_gradients is ESM without file extensions, which Node cannot load).
import * as tf from '@tensorflow/tfjs';
import { assertBackendOnGpu, probeBackend } from './gpu-check.js';

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
        `backend "tensorflow" needs ${TFJS_NODE_GPU}: the GPU instance installs it with npm ci from gpu-trainer/instance/package-lock.json; ${(err as Error).message}`,
      );
    }
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
  await tf.ready();
  // No silent CPU fallback at GPU prices: every replica on tensorflow must be placed on a GPU.
  if (name === 'tensorflow') assertBackendOnGpu(probeBackend(tf), Number(process.env.SIGNALFORGE_WORKER_RANK ?? 0));
  return tf;
}
