import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type Tf } from '../../../gpu-trainer/backend.js';
import { recurrentLossAndGradient } from '../../../gpu-trainer/model/bptt.js';
import { lossAndGradient } from '../../../gpu-trainer/model/forward.js';
import { trainingLossAndGradient } from '../../../gpu-trainer/model/gradient.js';
import { initParams, paramLayout, type ModelSpec } from '../../../gpu-trainer/model/spec.js';
import { Rng } from '../../../gpu-trainer/rng.js';

let tf: Tf;
beforeAll(async () => {
  tf = await initBackend('wasm');
});

function random(spec: ModelSpec, batch: number, seed: number) {
  const rng = new Rng(seed);
  const params = initParams(spec, rng);
  // Non-zero biases and perturbed kernels so every gate and every parameter block matters.
  for (let i = 0; i < params.length; i++) params[i] = params[i]! + (rng.next() - 0.5) * 0.4;
  const x = new Float32Array(batch * spec.windowSize * spec.features).map(() => (rng.next() - 0.5) * 4);
  const y = new Float32Array(batch).map(() => (rng.next() - 0.5) * 2);
  return { params, x, y };
}

describe('explicit BPTT (model/bptt.ts) against tfjs autodiff of the reference forward (model/forward.ts)', () => {
  const shapes: [string, Omit<ModelSpec, 'kind'>, number][] = [
    ['small', { windowSize: 9, features: 5, hidden: 6 }, 7],
    ['one step, one sample', { windowSize: 1, features: 3, hidden: 4 }, 1],
    ['default-sized', { windowSize: 32, features: 14, hidden: 32 }, 33],
  ];
  for (const kind of ['lstm', 'gru'] as const) {
    for (const [name, dims, batch] of shapes) {
      it(`${kind}, ${name}: loss and every gradient block within 1e-5`, () => {
        const spec: ModelSpec = { kind, ...dims };
        for (const seed of [1, 2]) {
          const { params, x, y } = random(spec, batch, seed);
          const ref = lossAndGradient(tf, spec, params, x, y, batch);
          const ours = recurrentLossAndGradient(tf, spec, params, x, y, batch);
          expect(Math.abs(ours.loss - ref.loss)).toBeLessThanOrEqual(1e-5 * Math.max(1, ref.loss));
          for (const p of paramLayout(spec)) {
            let diff = 0;
            let scale = 0;
            for (let i = p.offset; i < p.offset + p.size; i++) {
              diff = Math.max(diff, Math.abs(ours.grad[i]! - ref.grad[i]!));
              scale = Math.max(scale, Math.abs(ref.grad[i]!));
            }
            // With one time step h_{-1} = 0, so the recurrent kernel r has no gradient there.
            if (p.name !== 'r' || spec.windowSize > 1) expect(scale, `${p.name} has a gradient`).toBeGreaterThan(0);
            expect(diff, `${p.name}`).toBeLessThanOrEqual(1e-5);
          }
        }
      });
    }
  }

  it('stacked cells (layers 2) take autodiff, and every layer gets a gradient; one layer keeps the kernel', () => {
    for (const kind of ['lstm', 'gru'] as const) {
      const stacked: ModelSpec = { kind, windowSize: 6, features: 4, hidden: 5, layers: 2 };
      const { params, x, y } = random(stacked, 7, 9);
      const chosen = trainingLossAndGradient(tf, stacked, params, x, y, 7);
      const ref = lossAndGradient(tf, stacked, params, x, y, 7);
      expect(chosen.loss).toBe(ref.loss);
      expect(Array.from(chosen.grad)).toEqual(Array.from(ref.grad));
      expect(paramLayout(stacked).map((p) => p.name)).toEqual(['w', 'r', 'b', 'w2', 'r2', 'b2', 'wOut', 'bOut']);
      for (const p of paramLayout(stacked))
        expect(Math.max(...ref.grad.subarray(p.offset, p.offset + p.size).map(Math.abs)), p.name).toBeGreaterThan(0);
      const single: ModelSpec = { kind, windowSize: 6, features: 4, hidden: 5 };
      const one = random(single, 7, 9);
      expect(Array.from(trainingLossAndGradient(tf, single, one.params, one.x, one.y, 7).grad)).toEqual(
        Array.from(recurrentLossAndGradient(tf, single, one.params, one.x, one.y, 7).grad),
      );
    }
  });

  it('is deterministic and does not keep state between calls (reused buffers)', () => {
    const spec: ModelSpec = { kind: 'lstm', windowSize: 6, features: 4, hidden: 5 };
    const a = random(spec, 8, 3);
    const b = random(spec, 5, 4);
    const first = recurrentLossAndGradient(tf, spec, a.params, a.x, a.y, 8);
    recurrentLossAndGradient(tf, spec, b.params, b.x, b.y, 5);
    recurrentLossAndGradient(tf, { ...spec, kind: 'gru' }, random({ ...spec, kind: 'gru' }, 5, 4).params, b.x, b.y, 5);
    const again = recurrentLossAndGradient(tf, spec, a.params, a.x, a.y, 8);
    expect(again.loss).toBe(first.loss);
    expect(Array.from(again.grad)).toEqual(Array.from(first.grad));
  });

  it('does not leak tensors', () => {
    const spec: ModelSpec = { kind: 'gru', windowSize: 5, features: 3, hidden: 4 };
    const { params, x, y } = random(spec, 6, 5);
    recurrentLossAndGradient(tf, spec, params, x, y, 6);
    const before = tf.memory().numTensors;
    recurrentLossAndGradient(tf, spec, params, x, y, 6);
    recurrentLossAndGradient(tf, { ...spec, kind: 'lstm' }, random({ ...spec, kind: 'lstm' }, 6, 5).params, x, y, 6);
    expect(tf.memory().numTensors).toBe(before);
  });
});
