import type * as tfTypes from '@tensorflow/tfjs';
import { gruKernelLossAndGradient, lstmKernelLossAndGradient } from './kernel/recurrent-kernel.js';
import type { ModelSpec } from './spec.js';

/**
 * Mean-squared-error loss and gradient of the LSTM and GRU models by explicit backpropagation through
 * time: the same function as forward.ts (logistic sigmoid recurrent activation, ONNX gate semantics,
 * GRU linear_before_reset = 0), differentiated by hand, computed whole by the WebAssembly SIMD kernel
 * (kernel/recurrent.as.ts): one call per training step, no tfjs dispatch.
 *
 * Why hand-written: tfjs' autodiff of the per-step graph dispatches ~2400 small kernels per step at
 * ~18 us of engine overhead each (tfjs-wasm, default LSTM window 32 hidden 32 batch 256), ~40 ms of
 * fixed cost per step that does not shrink with the data-parallel shard. Why a kernel: the previous
 * form here (tfjs matMuls per time step, gate math in JS) reached 0.37x PyTorch's samples/s on one core;
 * the kernel's 4 x 8 SIMD matMuls and 4-lane gate math measured ~2.6x that (bench: training --peers).
 */
export interface RecurrentGradient {
  loss: number;
  grad: Float32Array;
}

/**
 * Loss and flat gradient of an LSTM or GRU spec (layout order of spec.ts). `tf` is unused: the kernel needs no backend.
 */
export function recurrentLossAndGradient(
  _tf: typeof tfTypes,
  spec: ModelSpec,
  flat: Float32Array,
  x: Float32Array,
  y: Float32Array,
  batch: number,
): RecurrentGradient {
  if (spec.kind === 'lstm') return lstmKernelLossAndGradient(spec, flat, x, y, batch);
  if (spec.kind === 'gru') return gruKernelLossAndGradient(spec, flat, x, y, batch);
  throw new Error(`recurrentLossAndGradient: ${spec.kind} has no recurrence (use forward.ts lossAndGradient)`);
}
