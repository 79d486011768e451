import type { Rng } from '../rng.js';
import { transformerLayout } from './transformer.js';

export type ModelKind = 'lstm' | 'gru' | 'dense' | 'transformer';

export interface ModelSpec {
  kind: ModelKind;
  windowSize: number;
  features: number;
  /** Hidden units; the Transformer's model width (d_model). */
  hidden: number;
  /**
   * Stacked layers (default 1): the Transformer's encoder blocks, the recurrent kinds' cells (layer l reads layer
   * l-1's hidden sequence), the dense model's hidden layers.
   */
  layers?: number;
  /** Transformer attention heads; must divide `hidden` (default 1). */
  heads?: number;
}

export interface ParamTensor {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/**
 * The model's parameters as named slices of one flat Float32Array. The flat form is what the
 * all-reduce sends, what Adam updates and what a checkpoint stores.
 *
 * Recurrent kernels keep gate blocks in columns: LSTM i,f,g,o; GRU z,r,h (Keras order). The ONNX
 * exporter reorders them.
 */
export function paramLayout(spec: ModelSpec): ParamTensor[] {
  const { kind, windowSize: T, features: F, hidden: H } = spec;
  const L = spec.layers ?? 1;
  const shapes: [string, number[]][] = [];
  if (kind === 'transformer') shapes.push(...transformerLayout(spec));
  else if (kind === 'dense') {
    // w1, b1 read the flattened window; w2.. are [H, H]. One-layer models keep today's names and order.
    for (let l = 1; l <= L; l++) shapes.push([`w${l}`, [l === 1 ? T * F : H, H]], [`b${l}`, [H]]);
    shapes.push(['wOut', [H, 1]], ['bOut', [1]]);
  } else {
    const G = (kind === 'lstm' ? 4 : 3) * H;
    // Layer 1 is w, r, b (what the single-layer BPTT kernel reads); layer l >= 2 is wl, rl, bl over the hidden.
    for (let l = 1; l <= L; l++) {
      const at = l === 1 ? '' : String(l);
      shapes.push([`w${at}`, [l === 1 ? F : H, G]], [`r${at}`, [H, G]], [`b${at}`, [G]]);
    }
    shapes.push(['wOut', [H, 1]], ['bOut', [1]]);
  }
  let offset = 0;
  return shapes.map(([name, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const p = { name, shape, offset, size };
    offset += size;
    return p;
  });
}

export function paramCount(spec: ModelSpec): number {
  return paramLayout(spec).reduce((n, p) => n + p.size, 0);
}

/** Glorot-uniform kernels, zero biases, LSTM forget-gate bias 1 (as Keras' unitForgetBias), layer-norm gains 1. */
export function initParams(spec: ModelSpec, rng: Rng): Float32Array {
  const layout = paramLayout(spec);
  const out = new Float32Array(paramCount(spec));
  for (const p of layout) {
    if (p.shape.length === 2) {
      const limit = Math.sqrt(6 / (p.shape[0]! + p.shape[1]!));
      for (let i = 0; i < p.size; i++) out[p.offset + i] = (rng.next() * 2 - 1) * limit;
    } else if (p.name.endsWith('_gamma')) {
      out.fill(1, p.offset, p.offset + p.size);
    } else if (spec.kind === 'lstm' && isRecurrentBias(p.name)) {
      out.fill(1, p.offset + spec.hidden, p.offset + 2 * spec.hidden);
    }
  }
  return out;
}

/** The recurrent kinds' kernel and recurrent-kernel names of every layer: w, r, w2, r2, ... */
export function isRecurrentWeight(name: string): boolean {
  return /^[wr]\d*$/.test(name);
}

function isRecurrentBias(name: string): boolean {
  return /^b\d*$/.test(name);
}
