import { execFileSync } from 'node:child_process';

/**
 * Start-up checks that a GPU run really runs on GPUs: at GPU prices a silent fall back to the CPU
 * build of TensorFlow (missing CUDA libraries, a driver that does not drive the card) would train for
 * hours at a fraction of the speed. The probes are injected so the logic is tested without a GPU.
 */

export class GpuCheckError extends Error {
  override readonly name = 'GpuCheckError';
}

/** What the tfjs backend in this process reports. */
export interface BackendProbe {
  /** tf.getBackend(). */
  backend: string;
  /** tfjs-node's binding.isUsingGpuDevice(); undefined when the backend has no such binding. */
  usingGpu: boolean | undefined;
}

/** GPU names from `nvidia-smi -L` (one `GPU i: <name> (UUID: ...)` line each); undefined when it cannot run. */
export function listNvidiaGpus(
  run: () => string = () => execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 30_000 }),
): string[] | undefined {
  try {
    return run()
      .split('\n')
      .filter((line) => /^GPU \d+:/.test(line))
      .map((line) => line.replace(/^GPU \d+:\s*/, '').replace(/\s*\(UUID:.*\)$/, ''));
  } catch {
    return undefined;
  }
}

/** Coordinator: the machine shows at least one GPU per worker it was asked to run. */
export function assertGpuCount(gpus: string[] | undefined, workers: number): number {
  if (gpus === undefined)
    throw new GpuCheckError('backend tensorflow needs NVIDIA GPUs, but nvidia-smi could not run (no driver?)');
  if (gpus.length < workers)
    throw new GpuCheckError(
      `backend tensorflow with ${workers} workers needs ${workers} GPUs, but nvidia-smi lists ${gpus.length}`,
    );
  return gpus.length;
}

/** Each replica after initialising the backend: tfjs-node-gpu is active and placed on a GPU. */
export function assertBackendOnGpu(probe: BackendProbe, rank = 0): void {
  if (probe.backend !== 'tensorflow')
    throw new GpuCheckError(`worker ${rank}: expected the tensorflow backend, got ${probe.backend}`);
  if (probe.usingGpu !== true) {
    throw new GpuCheckError(
      `worker ${rank}: tfjs-node-gpu is not using a GPU (CPU fallback; check LD_LIBRARY_PATH for the CUDA 11 / cuDNN 8 libraries and CUDA_VISIBLE_DEVICES=${process.env.CUDA_VISIBLE_DEVICES ?? '<unset>'})`,
    );
  }
}

/** The probe for a live tfjs module: its active backend and, for tfjs-node, whether its binding uses a GPU. */
export function probeBackend(tf: { getBackend(): string; backend(): unknown }): BackendProbe {
  const binding = (tf.backend() as { binding?: { isUsingGpuDevice?: () => boolean } }).binding;
  return {
    backend: tf.getBackend(),
    usingGpu: typeof binding?.isUsingGpuDevice === 'function' ? binding.isUsingGpuDevice() : undefined,
  };
}
