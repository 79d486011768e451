/**
 * Adam on flat Float32Arrays. Kept out of tfjs so its state is three plain arrays and a counter that a
 * checkpoint stores byte for byte, and so every data-parallel replica applies bit-identical updates.
 */
export interface AdamState {
  m: Float32Array;
  v: Float32Array;
  t: number;
}

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Clip the gradient's global L2 norm to this before the update; 0 disables. */
  clipNorm?: number;
}

export function newAdamState(size: number): AdamState {
  return { m: new Float32Array(size), v: new Float32Array(size), t: 0 };
}

export function adamStep(params: Float32Array, grad: Float32Array, state: AdamState, opts: AdamOptions): void {
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.epsilon ?? 1e-8;
  let scale = 1;
  if (opts.clipNorm && opts.clipNorm > 0) {
    let ss = 0;
    for (let i = 0; i < grad.length; i++) ss += grad[i]! * grad[i]!;
    const norm = Math.sqrt(ss);
    if (norm > opts.clipNorm) scale = opts.clipNorm / norm;
  }
  state.t += 1;
  const lrT = (opts.learningRate * Math.sqrt(1 - b2 ** state.t)) / (1 - b1 ** state.t);
  const { m, v } = state;
  for (let i = 0; i < params.length; i++) {
    const g = grad[i]! * scale;
    m[i] = b1 * m[i]! + (1 - b1) * g;
    v[i] = b2 * v[i]! + (1 - b2) * g * g;
    params[i] = params[i]! - (lrT * m[i]!) / (Math.sqrt(v[i]!) + eps);
  }
}
