import { describe, expect, it, beforeAll } from 'vitest';
import * as ort from 'onnxruntime-node';
import { initBackend, type Tf } from '../../../gpu-trainer/backend.js';
import { initParams, type ModelSpec } from '../../../gpu-trainer/model/spec.js';
import { predict } from '../../../gpu-trainer/model/forward.js';
import { exportOnnx, INPUT_NAME, OUTPUT_NAME } from '../../../gpu-trainer/model/onnx.js';
import { exportEnsembleOnnx, type EnsembleMember } from '../../../gpu-trainer/model/ensemble-onnx.js';
import { Rng } from '../../../gpu-trainer/rng.js';
import { KIND_LAYER_CASES } from './helpers.js';

let tf: Tf;
beforeAll(async () => {
  tf = await initBackend('wasm');
});

describe('ONNX export parity (onnxruntime-node vs tfjs, same inputs)', () => {
  for (const [kind, layers] of KIND_LAYER_CASES) {
    it(`${kind}, ${layers} layer(s): max abs diff <= 1e-5`, async () => {
      const spec: ModelSpec =
        kind === 'transformer'
          ? { kind, windowSize: 12, features: 7, hidden: 12, layers, heads: 3 }
          : { kind, windowSize: 12, features: 7, hidden: 10, ...(layers > 1 ? { layers } : {}) };
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
      const out = await session.run({
        [INPUT_NAME]: new ort.Tensor('float32', x, [batch, spec.windowSize, spec.features]),
      });
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

describe('ensemble export parity (one ONNX graph vs the mean of the members in tfjs)', () => {
  it('members of every kind, stacked ones, shorter windows and their own normalisations: max abs diff <= 1e-5', async () => {
    const rng = new Rng(7);
    const F = 6;
    const T = 10;
    const raw = (n: number, scale: number) => Array.from({ length: n }, () => (rng.next() - 0.5) * scale);
    const ensembleNorm = { mean: raw(F, 2), std: raw(F, 1).map((v) => 0.5 + Math.abs(v)) };
    const specs: ModelSpec[] = [
      { kind: 'lstm', windowSize: T, features: F, hidden: 6 },
      { kind: 'gru', windowSize: 6, features: F, hidden: 5, layers: 2 },
      { kind: 'dense', windowSize: 4, features: F, hidden: 7, layers: 2 },
      { kind: 'transformer', windowSize: 8, features: F, hidden: 8, layers: 1, heads: 2 },
    ];
    const members: EnsembleMember[] = specs.map((spec, i) => {
      const params = initParams(spec, rng);
      for (let j = 0; j < params.length; j++) params[j] = params[j]! + (rng.next() - 0.5) * 0.2;
      // The first member shares the ensemble's normalisation (no folding nodes); the others differ.
      const normalisation = i === 0 ? ensembleNorm : { mean: raw(F, 2), std: raw(F, 1).map((v) => 0.5 + Math.abs(v)) };
      return { spec, params, targetMean: 0.001 * i, targetStd: 0.01 + 0.005 * i, normalisation };
    });
    const batch = 9;
    const rawX = Float64Array.from({ length: batch * T * F }, () => (rng.next() - 0.5) * 6);
    const zscore = (norm: { mean: number[]; std: number[] }, window: number) => {
      const out = new Float32Array(batch * window * F);
      for (let b = 0; b < batch; b++)
        for (let t = 0; t < window; t++)
          for (let f = 0; f < F; f++)
            out[(b * window + t) * F + f] = (rawX[(b * T + T - window + t) * F + f]! - norm.mean[f]!) / norm.std[f]!;
      return out;
    };
    const expected = new Float64Array(batch);
    for (const m of members) {
      const pred = predict(tf, m.spec, m.params, zscore(m.normalisation, m.spec.windowSize), batch);
      for (let b = 0; b < batch; b++) expected[b]! += (pred[b]! * m.targetStd + m.targetMean) / members.length;
    }
    const bytes = exportEnsembleOnnx(members, { windowSize: T, normalisation: ensembleNorm });
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', zscore(ensembleNorm, T), [batch, T, F]) });
    const theirs = out[OUTPUT_NAME]!.data as Float32Array;
    expect(out[OUTPUT_NAME]!.dims).toEqual([batch, 1]);
    let maxDiff = 0;
    for (let b = 0; b < batch; b++) maxDiff = Math.max(maxDiff, Math.abs(theirs[b]! - expected[b]!));
    expect(new Set(Array.from(expected)).size).toBe(batch);
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
    await session.release();
  });
});
