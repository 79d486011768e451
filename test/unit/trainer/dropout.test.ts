import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../core/config/index.js';
import { initBackend, type Tf } from '../../../gpu-trainer/backend.js';
import { newAdamState } from '../../../gpu-trainer/model/adam.js';
import { applyInputDropout, type DropoutOptions } from '../../../gpu-trainer/model/dropout.js';
import { initParams, type ModelSpec } from '../../../gpu-trainer/model/spec.js';
import { Replica } from '../../../gpu-trainer/replica.js';
import { Rng } from '../../../gpu-trainer/rng.js';
import { sampleTrials } from '../../../gpu-trainer/search/sample.js';

const T = 5;
const F = 8;

/** A batch of ones: after dropout each value is 0 or the kept scale. */
function dropped(indices: number[], step: number, opts: DropoutOptions): Float32Array {
  const x = new Float32Array(indices.length * T * F).fill(1);
  applyInputDropout(x, Uint32Array.from(indices), T, F, step, opts);
  return x;
}

describe('input dropout masks', () => {
  it('keep about 1 - p of the (sample, feature) pairs, held across the window, scaled so the mean is kept', () => {
    const n = 4000;
    const indices = Array.from({ length: n }, (_, i) => i * 3);
    for (const rate of [0.1, 0.25, 0.5]) {
      const x = dropped(indices, 17, { rate, seed: 99 });
      const scale = Math.fround(1 / (1 - rate));
      let kept = 0;
      let sum = 0;
      let bad = 0;
      for (let i = 0; i < n; i++)
        for (let f = 0; f < F; f++) {
          const v = x[i * T * F + f]!;
          // One mask per (sample, feature) for every time step; values are 0 or the scale.
          for (let t = 1; t < T; t++) if (x[i * T * F + t * F + f] !== v) bad++;
          if (v !== 0 && v !== scale) bad++;
          if (v > 0) kept++;
          sum += v;
        }
      expect(bad).toBe(0);
      const pairs = n * F;
      // Binomial keep count: within 4 standard deviations of (1 - p) * pairs.
      const sd = Math.sqrt(pairs * rate * (1 - rate));
      expect(Math.abs(kept - (1 - rate) * pairs), `rate ${rate}`).toBeLessThan(4 * sd);
      expect(Math.abs(sum / pairs - 1), `rate ${rate}`).toBeLessThan((4 * sd) / pairs / (1 - rate));
      // Features are not dropped together: every feature's keep rate is near 1 - p too.
      for (let f = 0; f < F; f++) {
        let k = 0;
        for (let i = 0; i < n; i++) if (x[i * T * F + f]! > 0) k++;
        expect(Math.abs(k / n - (1 - rate))).toBeLessThan(4 * Math.sqrt((rate * (1 - rate)) / n));
      }
    }
  });

  it("a sample's mask depends on its global index, the step and the seed, not on its batch or position", () => {
    const opts = { rate: 0.4, seed: 7 };
    const whole = dropped([10, 11, 12, 13, 14, 15], 3, opts);
    // The same samples split into two shards (what data-parallel replicas see), and in another order.
    const a = dropped([10, 11, 12], 3, opts);
    const b = dropped([13, 14, 15], 3, opts);
    expect(Array.from(whole)).toEqual([...a, ...b]);
    const reversed = dropped([15, 14, 13, 12, 11, 10], 3, opts);
    const block = T * F;
    for (let i = 0; i < 6; i++)
      expect(Array.from(reversed.subarray(i * block, (i + 1) * block))).toEqual(
        Array.from(whole.subarray((5 - i) * block, (6 - i) * block)),
      );
    // Another step or another seed draws other masks.
    expect(Array.from(dropped([10, 11, 12, 13, 14, 15], 4, opts))).not.toEqual(Array.from(whole));
    expect(Array.from(dropped([10, 11, 12, 13, 14, 15], 3, { ...opts, seed: 8 }))).not.toEqual(Array.from(whole));
  });

  it('rate 0 leaves the batch untouched, bit for bit', () => {
    const rng = new Rng(3);
    const x = new Float32Array(6 * T * F).map(() => rng.next() - 0.5);
    const copy = new Float32Array(x);
    applyInputDropout(x, Uint32Array.from([0, 1, 2, 3, 4, 5]), T, F, 0, { rate: 0, seed: 1 });
    expect(Array.from(x)).toEqual(Array.from(copy));
  });
});

describe('dropout in the replica', () => {
  let tf: Tf;
  beforeAll(async () => {
    tf = await initBackend('wasm');
  });

  const samples = 40;
  const rng = new Rng(5);
  const features = new Float32Array((samples + T) * F).map(() => rng.next() - 0.5);
  const targetsStd = new Float32Array(samples).map(() => rng.next() - 0.5);
  const spec: ModelSpec = { kind: 'gru', windowSize: T, features: F, hidden: 6 };
  const params = initParams(spec, new Rng(2));

  function gradient(dropout?: DropoutOptions): Float32Array {
    const replica = new Replica(tf);
    replica.setData({ features, width: F, windowSize: T, targetsStd });
    replica.setModel({
      spec,
      params,
      adam: newAdamState(params.length),
      optimizer: { learningRate: 0.01 },
      ...(dropout ? { dropout } : {}),
    });
    return replica.grad(Uint32Array.from([3, 9, 4, 20, 31])).grad;
  }

  it('changes the training gradient when p > 0; p = 0 gives the gradient of no dropout, bit for bit', () => {
    const none = gradient();
    expect(Array.from(gradient({ rate: 0, seed: 11 }))).toEqual(Array.from(none));
    expect(Array.from(gradient({ rate: 0.3, seed: 11 }))).not.toEqual(Array.from(none));
    expect(Array.from(gradient({ rate: 0.3, seed: 11 }))).toEqual(Array.from(gradient({ rate: 0.3, seed: 11 })));
  });
});

describe('dropout in the search', () => {
  it('is sampled from each space; adding it leaves every other sampled value as it was', () => {
    const search = defaultConfig.training.search;
    const models = ['lstm', 'gru', 'dense', 'transformer'] as const;
    const x = { key: 'AAPL#1d', epochs: 20, seed: 1 };
    const withDropout = sampleTrials(search, models, x);
    for (const t of withDropout) expect(search.spaces[t.model]!.dropout).toContain(t.dropout);
    expect(new Set(withDropout.map((t) => t.dropout)).size).toBeGreaterThan(1);
    const spaces = Object.fromEntries(
      Object.entries(search.spaces).map(([kind, space]) => [kind, { ...space, dropout: [0] }]),
    );
    const without = sampleTrials({ ...search, spaces }, models, x);
    expect(without.map((t) => t.dropout)).toEqual(without.map(() => 0));
    expect(without.map(({ dropout: _, ...rest }) => rest)).toEqual(withDropout.map(({ dropout: _, ...rest }) => rest));
  });
});
