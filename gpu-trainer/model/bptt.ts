import type * as tfTypes from '@tensorflow/tfjs';
import { lstmKernelLossAndGradient } from './kernel/recurrent-kernel.js';
import { paramLayout, type ModelSpec } from './spec.js';

type Tf = typeof tfTypes;

/**
 * Mean-squared-error loss and gradient of the LSTM and GRU models by explicit backpropagation through
 * time: the same function as forward.ts (logistic sigmoid recurrent activation, ONNX gate semantics,
 * GRU linear_before_reset = 0), differentiated by hand.
 *
 * The LSTM runs whole in the WebAssembly SIMD kernel (kernel/recurrent.as.ts): one call per step of
 * training, no tfjs dispatch. The GRU below still sends its matMuls to tfjs (XNNPACK on wasm) and does
 * its gate math in JS: per time step two recurrent matMuls forward and two backward, plus one matMul for
 * all weight gradients ([X | H_prev | r * H_prev]^T dZ, batched over time steps).
 *
 * Why hand-written (measured on tfjs-wasm, 2-core Xeon, default LSTM window 32 hidden 32 batch 256):
 * tfjs' autodiff of the per-step graph dispatches ~2400 small kernels per step at ~18 us of engine
 * overhead each, ~40 ms of fixed cost per step that does not shrink with the data-parallel shard.
 *
 * Row order of every [time * batch, ...] buffer is (t, b): row t * B + b.
 */
export interface RecurrentGradient {
  loss: number;
  grad: Float32Array;
}

/**
 * a [m, k] in JS memory times b [k, n] on the tfjs backend: a new [m, n] Float32Array; with a bias,
 * sigmoid(a b + bias) in one fused kernel. Fusing the gate activations into the matMul (XNNPACK on wasm)
 * measured ~20 us per 16k values against ~420 us for the same sigmoid in JS (Math.exp ~20 ns), which was
 * a third of an LSTM step; tanh gates use tanh(v) = 2 sigmoid(2v) - 1 with their columns doubled.
 */
type MatMul = (a: Float32Array, m: number, k: number, b: tfTypes.Tensor2D, into: Float32Array, sigmoidBias?: tfTypes.Tensor1D) => Float32Array;

/**
 * Copies a float32 tensor's values into `into`. On wasm it reads the backend's heap view
 * (BackendWasm.typedArrayFromHeap) instead of dataSync, which allocates a fresh ArrayBuffer per call:
 * ~64 per training step, whose allocation and release cost CPU time on the other core too.
 */
function reader(tf: Tf): (t: tfTypes.Tensor, into: Float32Array) => Float32Array {
  const backend = tf.backend() as unknown as { typedArrayFromHeap?: (t: tfTypes.Tensor) => Float32Array };
  if (tf.getBackend() === 'wasm' && typeof backend.typedArrayFromHeap === 'function') {
    const heap = backend.typedArrayFromHeap.bind(backend);
    return (t, into) => {
      into.set(heap(t));
      return into;
    };
  }
  return (t, into) => {
    into.set(t.dataSync() as Float32Array);
    return into;
  };
}

function tfMatMul(tf: Tf): MatMul {
  const read = reader(tf);
  return (a, m, k, b, into, sigmoidBias) => {
    const at = tf.tensor2d(a, [m, k]);
    const out = sigmoidBias ? tf.fused.matMul({ a: at, b, bias: sigmoidBias, activation: 'sigmoid' }) : tf.matMul(at, b);
    try {
      return read(out, into);
    } finally {
      at.dispose();
      out.dispose();
    }
  };
}

/** [rows, cols] row-major block src[r0.., c0..] (of a matrix with `stride` columns) copied out. */
function block(src: Float32Array, stride: number, r0: number, rows: number, c0: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) out.set(src.subarray((r0 + r) * stride + c0, (r0 + r) * stride + c0 + cols), r * cols);
  return out;
}

/** A copy of a [rows, cols] matrix (or a [cols] vector, rows = 1) with columns [c0, c0 + count) doubled. */
function doubled(src: Float32Array, rows: number, cols: number, c0: number, count: number): Float32Array {
  const out = new Float32Array(src);
  for (let r = 0; r < rows; r++) for (let c = c0; c < c0 + count; c++) out[r * cols + c] = 2 * out[r * cols + c]!;
  return out;
}

function transpose(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c]!;
  return out;
}

/**
 * Reused buffers: an LSTM step at batch 256 needs ~12 MB of activations; allocating them per step kept
 * V8's GC threads busy (CPU time up to 1.5x wall time), which competes with the other replica's core.
 */
class Scratch {
  private readonly f32 = new Map<string, Float32Array>();
  /** A zero-filled Float32Array of `length`, reused across calls. */
  zeros(name: string, length: number): Float32Array {
    return this.any(name, length).fill(0);
  }
  /** Like zeros, but its contents are left as they are: for buffers that are fully overwritten. */
  any(name: string, length: number): Float32Array {
    let b = this.f32.get(name);
    if (!b || b.length !== length) this.f32.set(name, (b = new Float32Array(length)));
    return b;
  }
}
const scratch = new Scratch();

/**
 * The step input [x_t | v] for every sample into a [B, F + H] row block of `a`, and the same values into
 * columns t * B + b of left (the transposed [F + H + extra, T * B] operand of the weight-gradient matMul).
 * x is [B, T, F] as gatherWindows builds it; v is [B, H] (h_{t-1}, or r * h_{t-1} for GRU's candidate).
 */
function stepInput(x: Float32Array, v: Float32Array, B: number, T: number, F: number, H: number, t: number, a: Float32Array, left: Float32Array | undefined, vRow: number): void {
  const K = F + H;
  const TB = T * B;
  for (let b = 0; b < B; b++) {
    const src = (b * T + t) * F;
    const col = t * B + b;
    for (let f = 0; f < F; f++) {
      const xv = x[src + f]!;
      a[b * K + f] = xv;
      if (left && vRow === F) left[f * TB + col] = xv;
    }
    for (let j = 0; j < H; j++) {
      const hv = v[b * H + j]!;
      a[b * K + F + j] = hv;
      if (left) left[(vRow + j) * TB + col] = hv;
    }
  }
}

/** Output layer, loss and its gradient: fills dwOut/dbOut in grad and returns dLoss/dh_T. */
function head(hT: Float32Array, y: Float32Array, B: number, H: number, wOut: Float32Array, bOut: number, grad: Float32Array, wOutAt: number): { loss: number; dh: Float32Array } {
  const dh = new Float32Array(B * H);
  let loss = 0;
  let dbOut = 0;
  for (let b = 0; b < B; b++) {
    let p = bOut;
    for (let j = 0; j < H; j++) p += hT[b * H + j]! * wOut[j]!;
    const e = Math.fround(p) - y[b]!;
    loss += e * e;
    const dy = (2 * e) / B;
    dbOut += dy;
    for (let j = 0; j < H; j++) {
      grad[wOutAt + j] = grad[wOutAt + j]! + hT[b * H + j]! * dy;
      dh[b * H + j] = dy * wOut[j]!;
    }
  }
  grad[wOutAt + H] = dbOut;
  return { loss: loss / B, dh };
}

function columnSums(m: Float32Array, rows: number, cols: number, out: Float32Array, at: number): void {
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) acc[c]! += m[r * cols + c]!;
  for (let c = 0; c < cols; c++) out[at + c] = acc[c]!;
}

/**
 * Offsets in the flat parameter vector of r, b and wOut (bOut follows wOut's H values), from the layout
 * spec.ts defines; w starts at 0 and r follows it, which the [W; R] matMul relies on.
 */
function recurrentOffsets(spec: ModelSpec): { oR: number; oB: number; oWOut: number } {
  const at = Object.fromEntries(paramLayout(spec).map((p) => [p.name, p.offset]));
  if (at.w !== 0 || at.r !== spec.features * (spec.kind === 'lstm' ? 4 : 3) * spec.hidden) throw new Error(`unexpected ${spec.kind} parameter layout`);
  return { oR: at.r!, oB: at.b!, oWOut: at.wOut! };
}

function gru(tf: Tf, mm: MatMul, spec: ModelSpec, flat: Float32Array, x: Float32Array, y: Float32Array, B: number): RecurrentGradient {
  const { windowSize: T, features: F, hidden: H } = spec;
  const G = 3 * H;
  const K = F + H;
  const TB = T * B;
  // Gate blocks z, r, h (candidate).
  const { oR, oB, oWOut } = recurrentOffsets(spec);
  const wr = flat.subarray(0, K * G); // [W; R], [K, 3H]
  const bias = flat.subarray(oB, oB + G);
  const wOut = flat.subarray(oWOut, oWOut + H);
  const grad = new Float32Array(flat.length);

  // Forward kernels with the gate activations fused in: sigmoid for z, r; 2 sigmoid(2v) - 1 for the candidate.
  const wrZr = tf.tensor2d(block(wr, G, 0, K, 0, 2 * H), [K, 2 * H]); // [x_t | h_{t-1}] -> z, r
  const bZr = tf.tensor1d(bias.subarray(0, 2 * H));
  const wrH = tf.tensor2d(doubled(block(wr, G, 0, K, 2 * H, H), K, H, 0, H), [K, H]); // [x_t | r * h_{t-1}] -> candidate
  const bH = tf.tensor1d(doubled(bias.subarray(2 * H, 3 * H), 1, H, 0, H));
  const rzrTT = tf.tensor2d(transpose(block(wr, G, F, H, 0, 2 * H), H, 2 * H), [2 * H, H]);
  const rhTT = tf.tensor2d(transpose(block(wr, G, F, H, 2 * H, H), H, H), [H, H]);
  try {
    // left = [X | H_prev | r * H_prev]^T: the weight gradient of every block in one matMul.
    const left = scratch.any('left', (F + 2 * H) * TB);
    const a = scratch.any('a', B * K);
    const zs = scratch.any('zs', TB * H);
    const rs = scratch.any('rs', TB * H);
    const ns = scratch.any('ns', TB * H);
    const hs = scratch.any('hs', (T + 1) * B * H); // h_{t-1} at t
    hs.fill(0, 0, B * H);
    const rhp = scratch.any('rhp', B * H);
    for (let t = 0; t < T; t++) {
      const hp = hs.subarray(t * B * H, (t + 1) * B * H);
      stepInput(x, hp, B, T, F, H, t, a, left, F);
      const zr = mm(a, B, K, wrZr, scratch.any('zrAct', B * 2 * H), bZr);
      for (let b = 0; b < B; b++) {
        const row = t * B + b;
        for (let j = 0; j < H; j++) {
          const hc = b * H + j;
          const zv = zr[b * 2 * H + j]!;
          const rv = zr[b * 2 * H + H + j]!;
          zs[row * H + j] = zv;
          rs[row * H + j] = rv;
          rhp[hc] = rv * hp[hc]!;
        }
      }
      stepInput(x, rhp, B, T, F, H, t, a, left, F + H);
      const nAct = mm(a, B, K, wrH, scratch.any('nAct', B * H), bH);
      const hNext = hs.subarray((t + 1) * B * H, (t + 2) * B * H);
      for (let b = 0; b < B; b++) {
        const row = t * B + b;
        for (let j = 0; j < H; j++) {
          const hc = b * H + j;
          const n = 2 * nAct[hc]! - 1;
          const zv = zs[row * H + j]!;
          ns[row * H + j] = n;
          hNext[hc] = (1 - zv) * n + zv * hp[hc]!;
        }
      }
    }
    const { loss, dh: dhT } = head(hs.subarray(T * B * H), y, B, H, wOut, flat[oWOut + H]!, grad, oWOut);

    const dz = scratch.any('dz', TB * G); // pre-activation gradients [dz, dr, dn] per (t, b)
    const dzrStep = scratch.any('dzrStep', B * 2 * H);
    const dnStep = scratch.any('dnStep', B * H);
    let dh = dhT;
    for (let t = T - 1; t >= 0; t--) {
      const hp = hs.subarray(t * B * H, (t + 1) * B * H);
      const dhPrev = scratch.any(t % 2 ? 'dhPrev' : 'dhPrev2', B * H);
      for (let b = 0; b < B; b++) {
        const row = t * B + b;
        for (let j = 0; j < H; j++) {
          const hc = b * H + j;
          const zv = zs[row * H + j]!;
          const n = ns[row * H + j]!;
          const dhv = dh[hc]!;
          const dn = dhv * (1 - zv) * (1 - n * n);
          dnStep[hc] = dn;
          dz[row * G + 2 * H + j] = dn;
          const dzv = dhv * (hp[hc]! - n) * zv * (1 - zv);
          dz[row * G + j] = dzv;
          dzrStep[b * 2 * H + j] = dzv;
          dhPrev[hc] = dhv * zv;
        }
      }
      if (t === 0) {
        // h_{-1} = 0: the reset gate had nothing to scale, so its gradient is 0; dh_{-1} is not needed.
        for (let b = 0; b < B; b++) dz.fill(0, b * G + H, b * G + 2 * H);
        continue;
      }
      const drh = mm(dnStep, B, H, rhTT, scratch.any('drh', B * H)); // d(r * h_prev)
      for (let b = 0; b < B; b++) {
        const row = t * B + b;
        for (let j = 0; j < H; j++) {
          const hc = b * H + j;
          const rv = rs[row * H + j]!;
          const drv = drh[hc]! * hp[hc]! * rv * (1 - rv);
          dz[row * G + H + j] = drv;
          dzrStep[b * 2 * H + H + j] = drv;
          dhPrev[hc] = dhPrev[hc]! + drh[hc]! * rv;
        }
      }
      const viaGates = mm(dzrStep, B, 2 * H, rzrTT, scratch.any('viaGates', B * H));
      for (let k = 0; k < dhPrev.length; k++) dhPrev[k] = dhPrev[k]! + viaGates[k]!;
      dh = dhPrev;
    }
    const dzT = tf.tensor2d(dz, [TB, G]);
    let m: Float32Array;
    try {
      m = mm(left, F + 2 * H, TB, dzT, scratch.any('m', (F + 2 * H) * G)); // [F + 2H, 3H]
    } finally {
      dzT.dispose();
    }
    grad.set(m.subarray(0, F * G), 0); // dW: x rows, every gate
    for (let i = 0; i < H; i++) {
      grad.set(m.subarray((F + i) * G, (F + i) * G + 2 * H), oR + i * G); // dR z, r: h_prev rows
      grad.set(m.subarray((F + H + i) * G + 2 * H, (F + H + i) * G + 3 * H), oR + i * G + 2 * H); // dR h: (r * h_prev) rows
    }
    columnSums(dz, TB, G, grad, oB);
    return { loss, grad };
  } finally {
    for (const t of [wrZr, bZr, wrH, bH, rzrTT, rhTT]) t.dispose();
  }
}

/** Loss and flat gradient of an LSTM or GRU spec (layout order of spec.ts). */
export function recurrentLossAndGradient(tf: Tf, spec: ModelSpec, flat: Float32Array, x: Float32Array, y: Float32Array, batch: number): RecurrentGradient {
  if (spec.kind === 'dense') throw new Error('recurrentLossAndGradient: dense has no recurrence (use forward.ts lossAndGradient)');
  if (spec.kind === 'lstm') return lstmKernelLossAndGradient(spec, flat, x, y, batch);
  return gru(tf, tfMatMul(tf), spec, flat, x, y, batch);
}
