import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recurrentKernel } from '../../../gpu-trainer/model/kernel/recurrent-kernel.js';
import { Rng } from '../../../gpu-trainer/rng.js';
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildKernel, KERNELS } from '../../../scripts/build-kernels.mjs';

describe('WebAssembly kernels (gpu-trainer/model/kernel)', () => {
  for (const kernel of KERNELS as { source: string; output: string }[]) {
    it(`${kernel.output} is what its source compiles to now`, async () => {
      const rebuilt: Uint8Array = await buildKernel(kernel);
      const committed = readFileSync(new URL(`../../../${kernel.output}`, import.meta.url));
      expect(Buffer.compare(Buffer.from(rebuilt), committed), 'run node scripts/build-kernels.mjs').toBe(0);
    }, 120_000);
  }

  // The LSTM's agreement with autodiff is in bptt.test.ts; these pin the matMuls on their own, on the
  // block-edge shapes (N % 8 = 4, K not a multiple of 4, rows not a multiple of the gemmTN chunk).
  const { exports: k, base } = recurrentKernel();
  function place(arrays: Float32Array[]): number[] {
    const at: number[] = [];
    let end = base;
    for (const a of arrays) {
      at.push(end);
      end += Math.ceil(a.length / 4) * 16;
    }
    if (end > k.memory.buffer.byteLength) k.memory.grow(Math.ceil((end - k.memory.buffer.byteLength) / 65536));
    for (const [i, a] of arrays.entries()) new Float32Array(k.memory.buffer, at[i], a.length).set(a);
    return at;
  }
  const random = (n: number, rng: Rng) => new Float32Array(n).map(() => rng.next() * 2 - 1);
  /** Two random operands and a NaN-filled result (an entry the kernel leaves unwritten fails), placed in memory. */
  function operands(rng: Rng, aLength: number, bLength: number, resultLength: number) {
    const a = random(aLength, rng);
    const b = random(bLength, rng);
    const [pa, pb, pc] = place([a, b, new Float32Array(resultLength).fill(Number.NaN)]);
    return { a, b, pa: pa!, pb: pb!, pc: pc! };
  }
  const sum = (n: number, term: (q: number) => number) => {
    let s = 0;
    for (let q = 0; q < n; q++) s += term(q);
    return s;
  };
  /** Every entry of the rows x cols result the kernel wrote at `at`, against the reference `want(i, j)`. */
  function expectResult(at: number, rows: number, cols: number, want: (i: number, j: number) => number, tol: number) {
    const c = new Float32Array(k.memory.buffer, at, rows * cols);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) expect(Math.abs(c[i * cols + j]! - want(i, j))).toBeLessThan(tol);
  }

  it('gemmNN: c = a b', () => {
    const rng = new Rng(1);
    for (const [M, K, N] of [
      [4, 3, 4],
      [8, 46, 12],
      [12, 7, 24],
    ] as const) {
      const { a, b, pa, pb, pc } = operands(rng, M * K, K * N, M * N);
      k.gemmNN(pa, K, pb, N, pc, N, M, K, N);
      expectResult(pc, M, N, (i, j) => sum(K, (q) => a[i * K + q]! * b[q * N + j]!), 1e-5);
    }
  });

  it('gemmTN: c = sum over rows of a_r^T d_r', () => {
    const rng = new Rng(2);
    for (const [R, K, N] of [
      [1, 4, 8],
      [50, 8, 16],
      [97, 12, 8],
    ] as const) {
      const { a, b: d, pa, pb: pd, pc } = operands(rng, R * K, R * N, K * N);
      k.gemmTN(pa, K, pd, N, pc, R, K, N);
      expectResult(pc, K, N, (i, j) => sum(R, (r) => a[r * K + i]! * d[r * N + j]!), 1e-4);
    }
  });
});
