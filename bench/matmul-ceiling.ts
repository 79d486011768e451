// The ceiling of the trainer's CPU path: single-threaded matMul throughput on the default LSTM's own
// shapes (batch 256, window 32, hidden 32, 14 features), through tfjs-wasm (XNNPACK: the backend the
// trainer's matMuls went through before the kernel, and the dense model's still do) and through the
// WebAssembly kernel, against the core's peak. Every figure is on one thread: this process is single-threaded here.
import { readFileSync } from 'node:fs';
import type { Tf } from '../gpu-trainer/backend.js';
import { recurrentKernel } from '../gpu-trainer/model/kernel/recurrent-kernel.js';
import { Rng } from '../gpu-trainer/rng.js';
import { captureCommand } from '../local/services/run-command.js';

/** [rows, inner, cols] of the three matMuls of one LSTM training step and how often each runs. */
const B = 256;
const T = 32;
const KP = 48; // [h | x | 1] padded to 4: 32 + 14 + 1 -> 48
const G = 128;
const H = 32;
const SHAPES = [
  { name: 'forward [256x48]x[48x128]', m: B, k: KP, n: G, perStep: T },
  { name: 'dh [256x128]x[128x32]', m: B, k: G, n: H, perStep: T - 1 },
  { name: 'weight grad [48x8192]x[8192x128]', m: KP, k: T * B, n: G, perStep: 1 },
] as const;

/**
 * The core's fp32 peak in FLOP per cycle, from /proc/cpuinfo: AMD family 25 (Zen 3/4) and 26 (Zen 5)
 * have two 256-bit FMA pipes (Zen 4 runs AVX-512 as two halves; Zen 5 has 512-bit pipes); Intel with
 * AVX-512 two 512-bit FMA ports; AVX2 + FMA cores two 256-bit ones. A 128-bit WebAssembly SIMD kernel
 * can at best fill 4 of those lanes per pipe: 16 FLOP per cycle with two FMA pipes.
 */
function corePeak(): { model: string; mhz: number; flopPerCycle: number; wasmFlopPerCycle: number; how: string } {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const field = (name: string) => info.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim() ?? '';
  const vendor = field('vendor_id');
  const family = Number(field('cpu family'));
  const flags = new Set(field('flags').split(/\s+/));
  const mhz = Number(field('cpu MHz'));
  let flopPerCycle = 8;
  let how = 'no AVX: 2 x 128-bit SSE pipes, mul and add separate';
  if (vendor === 'AuthenticAMD' && family === 26) [flopPerCycle, how] = [64, 'Zen 5: 2 x 512-bit FMA pipes'];
  else if (vendor === 'AuthenticAMD' && family === 25)
    [flopPerCycle, how] = [
      32,
      `Zen 3/4 (family 25 model ${field('model')}): 2 x 256-bit FMA pipes, AVX-512 as two halves`,
    ];
  else if (flags.has('avx512f')) [flopPerCycle, how] = [64, 'Intel AVX-512: 2 x 512-bit FMA ports'];
  else if (flags.has('fma') && flags.has('avx2')) [flopPerCycle, how] = [32, 'AVX2: 2 x 256-bit FMA ports'];
  return {
    model: `${field('model name')} (${vendor} family ${family} model ${field('model')})`,
    mhz,
    flopPerCycle,
    wasmFlopPerCycle: flopPerCycle >= 32 ? 16 : 8,
    how,
  };
}

function cpuMsPer(fn: () => void, minMs = 150): number {
  for (let i = 0; i < 5; i++) fn();
  let n = 0;
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  while (performance.now() - w0 < minMs) {
    fn();
    n++;
  }
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / 1000 / n;
}

/** Best-of-3 GFLOP/s (CPU time, so the other engineers' load does not count against it). */
function gflops(flops: number, fn: () => void): number {
  let best = Infinity;
  for (let r = 0; r < 3; r++) best = Math.min(best, cpuMsPer(fn));
  return flops / best / 1e6;
}

/** A large single-threaded sgemm through PyTorch's BLAS (AVX-512 where the CPU has it): the practical peak. */
export async function torchSgemmGflops(python: string): Promise<number | string> {
  const code = [
    'import torch, time',
    'torch.set_num_threads(1)',
    'a = torch.randn(1024, 1024); b = torch.randn(1024, 1024)',
    'for _ in range(3): a @ b',
    'best = 1e9',
    'for _ in range(5):',
    '    t = time.process_time(); [a @ b for _ in range(10)]; best = min(best, (time.process_time() - t) / 10)',
    'print(2 * 1024 ** 3 / best / 1e9)',
  ].join('\n');
  const { code: rc, output } = await captureCommand(python, ['-c', code], {
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  const value = Number(output.trim().split('\n').at(-1));
  return rc === 0 && Number.isFinite(value) ? Number(value.toFixed(1)) : `failed: ${output.slice(-200)}`;
}

export function matmulCeiling(tf: Tf): Record<string, unknown> {
  const rng = new Rng(11);
  const rand = (n: number) => new Float32Array(n).map(() => rng.next() - 0.5);
  const { exports: k, base } = recurrentKernel();
  const bytes = SHAPES.reduce((s, x) => s + 4 * (x.m * x.k + x.k * x.n + x.m * x.n), 0);
  if (base + bytes > k.memory.buffer.byteLength)
    k.memory.grow(Math.ceil((base + bytes - k.memory.buffer.byteLength) / 65536));
  const shapes: Record<string, unknown> = {};
  let stepFlops = 0;
  let stepMsTfjs = 0;
  let stepMsKernel = 0;
  for (const s of SHAPES) {
    const flops = 2 * s.m * s.k * s.n;
    // tfjs: one matMul call with its tensor upload and read-back, as the BPTT path made them.
    const aT = s.name.startsWith('weight') ? rand(s.k * s.m) : rand(s.m * s.k);
    const bT = tf.tensor2d(rand(s.k * s.n), [s.k, s.n]);
    const viaTfjs = gflops(flops, () => {
      const a = s.name.startsWith('weight') ? tf.tensor2d(aT, [s.k, s.m]) : tf.tensor2d(aT, [s.m, s.k]);
      const c = s.name.startsWith('weight') ? tf.matMul(a, bT, true, false) : tf.matMul(a, bT);
      c.dataSync();
      a.dispose();
      c.dispose();
    });
    bT.dispose();
    // Kernel: the same product on its memory (gemmTN for the weight gradient, as the kernel runs it).
    const pa = base;
    const pb = pa + 4 * s.m * s.k;
    const pc = pb + 4 * s.k * s.n;
    new Float32Array(k.memory.buffer, pa, s.m * s.k).set(rand(s.m * s.k));
    new Float32Array(k.memory.buffer, pb, s.k * s.n).set(rand(s.k * s.n));
    const viaKernel = s.name.startsWith('weight')
      ? gflops(flops, () => k.gemmTN(pa, s.m, pb, s.n, pc, s.k, s.m, s.n))
      : gflops(flops, () => k.gemmNN(pa, s.k, pb, s.n, pc, s.n, s.m, s.k, s.n));
    shapes[s.name] = {
      tfjs_wasm_gflops: Number(viaTfjs.toFixed(1)),
      kernel_gflops: Number(viaKernel.toFixed(1)),
      per_step: s.perStep,
    };
    stepFlops += flops * s.perStep;
    stepMsTfjs += (flops * s.perStep) / viaTfjs / 1e6;
    stepMsKernel += (flops * s.perStep) / viaKernel / 1e6;
  }
  const peak = corePeak();
  const peakGflops = (peak.flopPerCycle * peak.mhz) / 1000;
  const wasmPeakGflops = (peak.wasmFlopPerCycle * peak.mhz) / 1000;
  const kernelStepGflops = stepFlops / stepMsKernel / 1e6;
  return {
    cpu: peak.model,
    cpu_mhz: peak.mhz,
    core_peak_gflops: Number(peakGflops.toFixed(1)),
    core_peak_how: `${peak.flopPerCycle} FLOP/cycle (${peak.how}) x cpu MHz from /proc/cpuinfo (a boost clock above it raises every peak alike)`,
    wasm_simd128_peak_gflops: Number(wasmPeakGflops.toFixed(1)),
    shapes,
    lstm_step_matmul_mflop: Number((stepFlops / 1e6).toFixed(1)),
    step_matmul_ms_tfjs_wasm: Number(stepMsTfjs.toFixed(2)),
    step_matmul_ms_kernel: Number(stepMsKernel.toFixed(2)),
    kernel_step_gflops: Number(kernelStepGflops.toFixed(1)),
    kernel_vs_core_peak: Number((kernelStepGflops / peakGflops).toFixed(3)),
    kernel_vs_wasm_simd128_peak: Number((kernelStepGflops / wasmPeakGflops).toFixed(3)),
  };
}
