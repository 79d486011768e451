import { describe, expect, it } from 'vitest';
import { exportOnnx, INPUT_NAME, OUTPUT_NAME } from '../../../gpu-trainer/model/onnx.js';
import { initParams, type ModelKind, type ModelSpec } from '../../../gpu-trainer/model/spec.js';
import { Rng } from '../../../gpu-trainer/rng.js';
import { DEFAULT_SESSION_OPTIONS } from '../../../lambdas/serving/inference/model-cache.js';
import { createOrtSession, loadNativeBinding } from '../../../lambdas/serving/inference/ort-session.js';

function model(kind: ModelKind, seed: number) {
  const spec: ModelSpec = { kind, windowSize: 8, features: 5, hidden: 6 };
  const rng = new Rng(seed);
  const params = initParams(spec, rng).map((v) => v + (rng.next() - 0.5) * 0.2);
  const onnx = exportOnnx(spec, params, { targetMean: 0.0004, targetStd: 0.013 });
  const batch = 3;
  const x = Float32Array.from({ length: batch * spec.windowSize * spec.features }, () => (rng.next() - 0.5) * 3);
  return { onnx, x, dims: [batch, spec.windowSize, spec.features] };
}

describe('onnxruntime session paths', () => {
  it('has the native binding in the pinned onnxruntime-node, so serving does not quietly fall back', async () => {
    expect(loadNativeBinding()).not.toBeNull();
    const { onnx } = model('lstm', 1);
    const session = await createOrtSession(onnx, DEFAULT_SESSION_OPTIONS);
    expect(session.path).toBe('native');
    expect(session.inputNames).toEqual([INPUT_NAME]);
    expect(session.outputNames).toEqual([OUTPUT_NAME]);
    await session.release();
  });

  it.each(['lstm', 'gru', 'dense'] as ModelKind[])("gives the public API's exact outputs for %s", async (kind) => {
    const { onnx, x, dims } = model(kind, 7);
    const native = await createOrtSession(onnx, DEFAULT_SESSION_OPTIONS, 'native');
    const viaPublic = await createOrtSession(onnx, DEFAULT_SESSION_OPTIONS, 'public');
    expect(viaPublic.path).toBe('public');
    const a = await native.run(INPUT_NAME, x, dims, OUTPUT_NAME);
    const b = await viaPublic.run(INPUT_NAME, x, dims, OUTPUT_NAME);
    expect(a.length).toBe(dims[0]);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(Array.from(a)).toEqual(Array.from(b));
    await Promise.all([native.release(), viaPublic.release()]);
  });

  it('rejects a bad input or a bad model on both paths instead of crashing', async () => {
    const { onnx, x, dims } = model('gru', 3);
    for (const path of ['native', 'public'] as const) {
      const session = await createOrtSession(onnx, DEFAULT_SESSION_OPTIONS, path);
      await expect(session.run(INPUT_NAME, x.subarray(1), dims, OUTPUT_NAME)).rejects.toThrow(/size|length/i);
      await expect(session.run(INPUT_NAME, x, [dims[0]!, dims[1]! * dims[2]!], OUTPUT_NAME)).rejects.toThrow();
      await session.release();
      await expect(createOrtSession(onnx.subarray(0, 40), DEFAULT_SESSION_OPTIONS, path)).rejects.toThrow();
    }
  });
});
