import { describe, expect, it, beforeAll } from 'vitest';
import * as ort from 'onnxruntime-node';
import { initBackend, type Tf } from '../../../gpu-trainer/backend.js';
import { initParams, type ModelKind, type ModelSpec } from '../../../gpu-trainer/model/spec.js';
import { predict } from '../../../gpu-trainer/model/forward.js';
import { exportOnnx, INPUT_NAME, OUTPUT_NAME } from '../../../gpu-trainer/model/onnx.js';
import { Rng } from '../../../gpu-trainer/rng.js';

let tf: Tf;
beforeAll(async () => {
  tf = await initBackend('wasm');
});

describe('ONNX export parity (onnxruntime-node vs tfjs, same inputs)', () => {
  for (const kind of ['lstm', 'gru', 'dense'] as ModelKind[]) {
    it(`${kind}: max abs diff <= 1e-5`, async () => {
      const spec: ModelSpec = { kind, windowSize: 12, features: 7, hidden: 10 };
      const rng = new Rng(42);
      const params = initParams(spec, rng);
      // Non-zero biases so gate-order mistakes cannot hide behind zeros.
      for (let i = 0; i < params.length; i++) params[i] = params[i]! + (rng.next() - 0.5) * 0.2;
      const batch = 16;
      const x = new Float32Array(batch * spec.windowSize * spec.features).map(() => (rng.next() - 0.5) * 4);
      const targetMean = 0.0004;
      const targetStd = 0.013;
      const ours = predict(tf, spec, params, x, batch).map((v) => v * targetStd + targetMean);

      const bytes = exportOnnx(spec, params, { targetMean, targetStd });
      const session = await ort.InferenceSession.create(bytes);
      const out = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', x, [batch, spec.windowSize, spec.features]) });
      const theirs = out[OUTPUT_NAME]!.data as Float32Array;
      expect(out[OUTPUT_NAME]!.dims).toEqual([batch, 1]);
      let maxDiff = 0;
      for (let i = 0; i < batch; i++) maxDiff = Math.max(maxDiff, Math.abs(theirs[i]! - ours[i]!));
      expect(new Set(Array.from(ours)).size).toBeGreaterThan(1);
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
      await session.release();
    });
  }
});
