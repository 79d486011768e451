import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  assertBackendOnGpu,
  assertGpuCount,
  GpuCheckError,
  listNvidiaGpus,
  probeBackend,
} from '../../../gpu-trainer/gpu-check.js';
import { runSmoke } from '../../../gpu-trainer/smoke.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SMI = 'GPU 0: NVIDIA A10G (UUID: GPU-8c1b)\nGPU 1: NVIDIA A10G (UUID: GPU-9d2c)\n';

describe('GPU start-up checks (injected probes)', () => {
  it('reads GPU names from nvidia-smi -L, and undefined when nvidia-smi cannot run', () => {
    expect(listNvidiaGpus(() => SMI)).toEqual(['NVIDIA A10G', 'NVIDIA A10G']);
    expect(listNvidiaGpus(() => 'No devices were found\n')).toEqual([]);
    expect(
      listNvidiaGpus(() => {
        throw new Error('spawn nvidia-smi ENOENT');
      }),
    ).toBeUndefined();
  });

  it('needs at least one GPU per worker', () => {
    expect(assertGpuCount(['a', 'b', 'c', 'd'], 4)).toBe(4);
    expect(() => assertGpuCount(['a', 'b'], 4)).toThrow(
      new GpuCheckError('backend tensorflow with 4 workers needs 4 GPUs, but nvidia-smi lists 2'),
    );
    expect(() => assertGpuCount(undefined, 1)).toThrow(/nvidia-smi could not run/);
  });

  it('rejects a replica that fell back to the CPU or to another backend', () => {
    expect(() => assertBackendOnGpu({ backend: 'tensorflow', usingGpu: true }, 2)).not.toThrow();
    expect(() => assertBackendOnGpu({ backend: 'tensorflow', usingGpu: false }, 2)).toThrow(
      /worker 2: tfjs-node-gpu is not using a GPU \(CPU fallback/,
    );
    expect(() => assertBackendOnGpu({ backend: 'tensorflow', usingGpu: undefined })).toThrow(/not using a GPU/);
    expect(() => assertBackendOnGpu({ backend: 'cpu', usingGpu: undefined })).toThrow(
      /expected the tensorflow backend, got cpu/,
    );
  });

  it('probes the tfjs-node binding when there is one', () => {
    const tf = (binding: unknown) => ({ getBackend: () => 'tensorflow', backend: () => ({ binding }) });
    expect(probeBackend(tf({ isUsingGpuDevice: () => true }))).toEqual({ backend: 'tensorflow', usingGpu: true });
    expect(probeBackend(tf({ isUsingGpuDevice: () => false }))).toEqual({ backend: 'tensorflow', usingGpu: false });
    expect(probeBackend(tf(undefined))).toEqual({ backend: 'tensorflow', usingGpu: undefined });
  });

  it('smoke on tensorflow stops before training when the GPUs are missing', async () => {
    const result = await runSmoke({ backend: 'tensorflow', workers: 4, listGpus: () => ['NVIDIA A10G'] });
    expect(result).toMatchObject({
      ok: false,
      steps: 0,
      error: 'backend tensorflow with 4 workers needs 4 GPUs, but nvidia-smi lists 1',
    });
  });
});

describe('npm run train -- --backend wasm --smoke', () => {
  it('trains a few steps of the default LSTM per worker and prints one ok JSON line', () => {
    const stdout = execFileSync(
      'npm',
      ['run', '--silent', 'train', '--', '--backend', 'wasm', '--smoke', '--workers', '2'],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!);
    expect(result).toMatchObject({ ok: true, backend: 'wasm', gpus: 0, workers: 2 });
    expect(result.steps).toBeGreaterThanOrEqual(4);
    expect(result.stepsPerSecondPerWorker).toBeGreaterThan(0);
  }, 150_000);
});
