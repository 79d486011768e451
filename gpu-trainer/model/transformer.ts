import type * as tfTypes from '@tensorflow/tfjs';
import type { ModelSpec } from './spec.js';

type Tf = typeof tfTypes;
type Tensor = tfTypes.Tensor;
type Tensor2D = tfTypes.Tensor2D;

/** Layer-norm epsilon, the same in tfjs and in the ONNX LayerNormalization node. */
export const LAYER_NORM_EPSILON = 1e-5;
/** The feed-forward layer's width as a multiple of the model width. */
export const FFN_MULTIPLIER = 2;

export function transformerShape(spec: ModelSpec): {
  d: number;
  layers: number;
  heads: number;
  headDim: number;
  ffn: number;
} {
  const d = spec.hidden;
  const layers = spec.layers ?? 1;
  const heads = spec.heads ?? 1;
  if (d % heads !== 0) throw new Error(`transformer width ${d} is not divisible by ${heads} heads`);
  return { d, layers, heads, headDim: d / heads, ffn: FFN_MULTIPLIER * d };
}

/**
 * Parameter shapes of the pre-norm Transformer encoder, in layout order: input projection, N blocks (layer
 * norm, multi-head self-attention with its output projection, residual; layer norm, feed-forward, residual),
 * a final layer norm, mean pooling over time and the linear head (`wOut`, `bOut`, zeroed at the start of a
 * fit like every kind's head). Gains end in `_gamma` (initialised to 1). The keys have no bias: softmax is
 * invariant to it, so its gradient is float noise that Adam would scale up to full-size steps (and data-parallel
 * replicas would then disagree).
 */
export function transformerLayout(spec: ModelSpec): [string, number[]][] {
  const { d, layers, ffn } = transformerShape(spec);
  const shapes: [string, number[]][] = [
    ['in_w', [spec.features, d]],
    ['in_b', [d]],
  ];
  for (let l = 0; l < layers; l++) {
    shapes.push(
      [`l${l}_ln1_gamma`, [d]],
      [`l${l}_ln1_beta`, [d]],
      [`l${l}_wq`, [d, d]],
      [`l${l}_bq`, [d]],
      [`l${l}_wk`, [d, d]],
      [`l${l}_wv`, [d, d]],
      [`l${l}_bv`, [d]],
      [`l${l}_wo`, [d, d]],
      [`l${l}_bo`, [d]],
      [`l${l}_ln2_gamma`, [d]],
      [`l${l}_ln2_beta`, [d]],
      [`l${l}_w1`, [d, ffn]],
      [`l${l}_b1`, [ffn]],
      [`l${l}_w2`, [ffn, d]],
      [`l${l}_b2`, [d]],
    );
  }
  shapes.push(['lnf_gamma', [d]], ['lnf_beta', [d]], ['wOut', [d, 1]], ['bOut', [1]]);
  return shapes;
}

/** Sinusoidal positional encoding [T, d] (Vaswani et al. 2017), a constant in both tfjs and the ONNX graph. */
export function positionalEncoding(T: number, d: number): Float32Array {
  const pe = new Float32Array(T * d);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < d; i++) {
      const angle = t / 10000 ** ((2 * Math.floor(i / 2)) / d);
      pe[t * d + i] = i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return pe;
}

function layerNorm(tf: Tf, x: Tensor, gamma: Tensor, beta: Tensor): Tensor {
  const mean = tf.mean(x, -1, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.div(centred, tf.sqrt(tf.add(variance, LAYER_NORM_EPSILON))), gamma), beta);
}

/**
 * The Transformer's forward pass on explicit parameter tensors (layout order), for tfjs autodiff. Tokens are
 * the window's bars; every per-token projection runs as one [batch*T, d] matMul. Returns [batch, 1].
 */
export function transformerForward(
  tf: Tf,
  spec: ModelSpec,
  params: Tensor[],
  x: Tensor,
  mm: (a: Tensor2D, b: Tensor2D) => Tensor2D,
): Tensor {
  const { windowSize: T, features: F } = spec;
  const { d, layers, heads, headDim } = transformerShape(spec);
  const names = transformerLayout(spec).map(([name]) => name);
  const p = Object.fromEntries(names.map((n, i) => [n, params[i]!])) as Record<string, Tensor>;
  const B = x.shape[0]!;
  const tokens = B * T;
  const pe = tf.tensor2d(positionalEncoding(T, d), [T, d]);
  let z = tf.add(mm(tf.reshape(x, [tokens, F]) as Tensor2D, p.in_w as Tensor2D), p.in_b!);
  z = tf.reshape(tf.add(tf.reshape(z, [B, T, d]), pe), [tokens, d]);
  const scale = 1 / Math.sqrt(headDim);
  const splitHeads = (t: Tensor) =>
    tf.reshape(tf.transpose(tf.reshape(t, [B, T, heads, headDim]), [0, 2, 1, 3]), [B * heads, T, headDim]);
  for (let l = 0; l < layers; l++) {
    const a = layerNorm(tf, z, p[`l${l}_ln1_gamma`]!, p[`l${l}_ln1_beta`]!) as Tensor2D;
    const q = splitHeads(tf.add(mm(a, p[`l${l}_wq`] as Tensor2D), p[`l${l}_bq`]!));
    const k = splitHeads(mm(a, p[`l${l}_wk`] as Tensor2D));
    const v = splitHeads(tf.add(mm(a, p[`l${l}_wv`] as Tensor2D), p[`l${l}_bv`]!));
    const attention = tf.softmax(tf.mul(tf.matMul(q, tf.transpose(k, [0, 2, 1])), scale));
    const heads_ = tf.reshape(tf.transpose(tf.reshape(tf.matMul(attention, v), [B, heads, T, headDim]), [0, 2, 1, 3]), [
      tokens,
      d,
    ]) as Tensor2D;
    z = tf.add(z, tf.add(mm(heads_, p[`l${l}_wo`] as Tensor2D), p[`l${l}_bo`]!));
    const f = layerNorm(tf, z, p[`l${l}_ln2_gamma`]!, p[`l${l}_ln2_beta`]!) as Tensor2D;
    const inner = tf.relu(tf.add(mm(f, p[`l${l}_w1`] as Tensor2D), p[`l${l}_b1`]!)) as Tensor2D;
    z = tf.add(z, tf.add(mm(inner, p[`l${l}_w2`] as Tensor2D), p[`l${l}_b2`]!));
  }
  const pooled = tf.mean(tf.reshape(layerNorm(tf, z, p.lnf_gamma!, p.lnf_beta!), [B, T, d]), 1) as Tensor2D;
  return tf.add(mm(pooled, p.wOut as Tensor2D), p.bOut!);
}
