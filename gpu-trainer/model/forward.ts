import type * as tfTypes from '@tensorflow/tfjs';
import { paramLayout, type ModelSpec } from './spec.js';
import { transformerForward } from './transformer.js';

type Tf = typeof tfTypes;
type Tensor = tfTypes.Tensor;
type Tensor2D = tfTypes.Tensor2D;

/**
 * Forward pass in tfjs ops on explicit parameter tensors (no layers, no variables): what we train is
 * exactly what onnx.ts exports. Returns [batch, 1] in standardised target units.
 *
 * The recurrence runs feature-major: the state is h^T [hidden, batch] and each step is one matMul of
 * [W;R]^T with concat(x_t^T, h^T), so gate splits, concats and the time unstack all cut along axis 0,
 * which are contiguous copies; along the last axis tfjs-wasm copies strided and that dominated a step.
 * Recurrent activation is the logistic sigmoid (ONNX's default f), never tfjs' hardSigmoid.
 */
const matMulCache = new WeakMap<Tf, (a: Tensor2D, b: Tensor2D) => Tensor2D>();

/**
 * matMul whose gradient uses explicit transposes and plain (untransposed) matMuls. tfjs-wasm runs only
 * untransposed matMul on XNNPACK; the transposeA/transposeB forms that the built-in gradient uses fall
 * back to a loop 10-30x slower, which made backprop dominate every step.
 */
function fastMatMul(tf: Tf): (a: Tensor2D, b: Tensor2D) => Tensor2D {
  let mm = matMulCache.get(tf);
  if (!mm) {
    const custom = tf.customGrad(((a: Tensor2D, b: Tensor2D, save: (ts: Tensor[]) => void) => {
      save([a, b]);
      return {
        value: tf.matMul(a, b),
        gradFunc: (dy: Tensor2D, saved: Tensor[]) => [
          tf.matMul(dy, tf.transpose(saved[1]!) as Tensor2D),
          tf.matMul(tf.transpose(saved[0]!) as Tensor2D, dy),
        ],
      };
    }) as unknown as Parameters<Tf['customGrad']>[0]);
    mm = (a, b) => custom(a, b) as Tensor2D;
    matMulCache.set(tf, mm);
  }
  return mm;
}

export function forward(tf: Tf, spec: ModelSpec, params: Tensor[], x: Tensor): Tensor {
  const { windowSize: T, features: F } = spec;
  const mm = fastMatMul(tf);
  const batch = x.shape[0]!;
  const L = spec.layers ?? 1;
  if (spec.kind === 'transformer') return transformerForward(tf, spec, params, x, mm);
  const [wOut, bOut] = params.slice(-2) as [Tensor2D, Tensor];
  if (spec.kind === 'dense') {
    let hidden = tf.reshape(x, [batch, T * F]) as Tensor2D;
    for (let l = 0; l < L; l++) {
      const [w, b] = params.slice(2 * l, 2 * l + 2) as [Tensor2D, Tensor];
      hidden = tf.relu(tf.add(mm(hidden, w), b)) as Tensor2D;
    }
    return tf.add(mm(hidden, wOut), bOut);
  }
  // Stacked cells: each layer's hidden sequence (feature-major, T x [H, batch]) is the next layer's input.
  let seq = tf.unstack(tf.transpose(x, [1, 2, 0]), 0) as Tensor2D[]; // T x [F, batch]
  for (let l = 0; l < L; l++) {
    const [w, r, b] = params.slice(3 * l, 3 * l + 3) as [Tensor2D, Tensor2D, Tensor];
    seq = recurrentLayer(tf, spec, mm, w, r, b, seq, batch);
  }
  return tf.add(mm(tf.transpose(seq[seq.length - 1]!) as Tensor2D, wOut), bOut); // h^T · wOut -> [batch, 1]
}

/** One LSTM or GRU cell over the sequence `steps` (T x [in, batch]); returns its hidden states, T x [H, batch]. */
function recurrentLayer(
  tf: Tf,
  spec: ModelSpec,
  mm: (a: Tensor2D, b: Tensor2D) => Tensor2D,
  w: Tensor2D,
  r: Tensor2D,
  b: Tensor,
  steps: Tensor2D[],
  batch: number,
): Tensor2D[] {
  const H = spec.hidden;
  const gates = spec.kind === 'lstm' ? 4 : 3;
  const bias = tf.reshape(b, [gates * H, 1]);
  let h: Tensor2D = tf.zeros([H, batch]);
  const out: Tensor2D[] = [];
  if (spec.kind === 'lstm') {
    const wrT = tf.transpose(tf.concat([w, r], 0)) as Tensor2D; // [4H, in+H]
    let c: Tensor = tf.zeros([H, batch]);
    for (const xt of steps) {
      const z = tf.add(mm(wrT, tf.concat([xt, h], 0) as Tensor2D), bias);
      const [i, f, g, o] = tf.split(z, 4, 0) as [Tensor, Tensor, Tensor, Tensor];
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
      h = tf.mul(tf.sigmoid(o), tf.tanh(c)) as Tensor2D;
      out.push(h);
    }
    return out;
  }
  const [wzr, wh] = tf.split(w, [2 * H, H], 1) as [Tensor2D, Tensor2D];
  const [rzr, rh] = tf.split(r, [2 * H, H], 1) as [Tensor2D, Tensor2D];
  const zrT = tf.transpose(tf.concat([wzr, rzr], 0)) as Tensor2D; // [2H, in+H]
  const whT = tf.transpose(wh) as Tensor2D; // [H, in]
  const rhT = tf.transpose(rh) as Tensor2D; // [H, H]
  const [bzr, bh] = tf.split(bias, [2 * H, H], 0) as [Tensor, Tensor];
  for (const xt of steps) {
    const [zPre, rPre] = tf.split(tf.add(mm(zrT, tf.concat([xt, h], 0) as Tensor2D), bzr), 2, 0) as [Tensor, Tensor];
    const zGate = tf.sigmoid(zPre);
    const rGate = tf.sigmoid(rPre);
    // linear_before_reset = 0: the reset gate scales h before the recurrent matMul (ONNX GRU default).
    const candidate = tf.tanh(tf.add(tf.add(mm(whT, xt), bh), mm(rhT, tf.mul(rGate, h) as Tensor2D)));
    h = tf.add(tf.mul(tf.sub(1, zGate), candidate), tf.mul(zGate, h)) as Tensor2D;
    out.push(h);
  }
  return out;
}

export function paramTensors(tf: Tf, spec: ModelSpec, flat: Float32Array): Tensor[] {
  return paramLayout(spec).map((p) => tf.tensor(flat.subarray(p.offset, p.offset + p.size), p.shape, 'float32'));
}

/** A training step's loss function: the batch's MSE and its flat gradient (layout order) at `flat`. */
export type LossAndGradient = (
  tf: Tf,
  spec: ModelSpec,
  flat: Float32Array,
  x: Float32Array,
  y: Float32Array,
  batch: number,
) => { loss: number; grad: Float32Array };

/** Mean squared error and its gradient with respect to every parameter, flattened in layout order. */
export const lossAndGradient: LossAndGradient = (tf, spec, flat, x, y, batch) => {
  const layout = paramLayout(spec);
  const grad = new Float32Array(flat.length);
  let loss = 0;
  tf.tidy(() => {
    const params = paramTensors(tf, spec, flat);
    const xt = tf.tensor3d(x, [batch, spec.windowSize, spec.features]);
    const yt = tf.tensor2d(y, [batch, 1]);
    const { value, grads } = tf.valueAndGrads(
      (...ps: Tensor[]) => tf.mean(tf.squaredDifference(forward(tf, spec, ps, xt), yt)) as tfTypes.Scalar,
    )(params);
    loss = value.dataSync()[0]!;
    for (const [i, g] of grads.entries()) grad.set(g.dataSync() as Float32Array, layout[i]!.offset);
  });
  return { loss, grad };
};

export function predict(tf: Tf, spec: ModelSpec, flat: Float32Array, x: Float32Array, batch: number): Float32Array {
  return tf.tidy(() => {
    const params = paramTensors(tf, spec, flat);
    const out = forward(tf, spec, params, tf.tensor3d(x, [batch, spec.windowSize, spec.features]));
    return out.dataSync() as Float32Array;
  });
}
